"""Stored replicate factors (#14): a round's replicate factors, and for a calibrated round each
replicate's calibrated weights, are built once — by the background worker
(``statistics.replicates``, app.statistics.replicate_tasks) when a replicate design or a weight
set is activated, or by the first request that finds none — and read by every report after that, so
no request re-draws or re-rakes the replicates (app.models.replicate says how they are kept).

A stored set is used only when it was built over exactly the responses, PSUs, strata and final
weights a request sees (``digest``: a hash of the layout, the design's replicate settings and
the active weight set); reports state when it was built (``design.replicates_as_of``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.forms.schema import Instrument
from app.models import ReplicateChunk, ReplicateSet, Round, WeightSet
from app.models.base import as_utc, utcnow
from app.statistics.calibrated import ReplicateLayout, recalibrate
from app.statistics.design import Design
from app.statistics.replicates import Replicates, jk1, jkn, rao_wu

CHUNK = 32768  # rows of a replicate_chunk
LOCK = 4243  # pg_advisory_xact_lock(LOCK, round): one writer of a round's set at a time


@dataclass(frozen=True)
class Served:
    """The replicates a round's estimates use: ``reps.factors`` per PSU, and for a calibrated
    round ``weights`` (R, responses of the layout): each replicate's calibrated weights."""

    reps: Replicates
    weights: np.ndarray | None
    calibration: str | None
    as_of: datetime


@dataclass(frozen=True)
class Active:
    """The weight set a raked round's estimates use (None: weights taken as fixed)."""

    id: int | None
    key: str


async def active_set(session: AsyncSession, round_: Round) -> Active:
    if round_.weighting != "raked":
        return Active(None, "")
    row = (
        await session.execute(
            select(WeightSet.id, WeightSet.inputs_hash, WeightSet.data_hash).where(
                WeightSet.round_id == round_.id, WeightSet.active
            )
        )
    ).first()
    return Active(None, "") if row is None else Active(int(row[0]), f"{row[1]}:{row[2]}")


def digest(layout: ReplicateLayout, design: Design, active: Active) -> str:
    """What the stored factors are a function of: the responses, their PSUs, strata and final
    weights, the replicate method and the active weight set."""
    h = hashlib.sha256()
    h.update(f"{design.variance}|{design.replicates}|{layout.seed}|{active.key}".encode())
    for part in (layout.responses, layout.psu, layout.stratum, layout.weights):
        h.update(np.ascontiguousarray(part).tobytes())
    return h.hexdigest()


def draw(design: Design, layout: ReplicateLayout) -> Replicates:
    """The design's replicate factors over the layout's PSUs (app.statistics.replicates)."""
    if design.variance == "jk1":
        return jk1(len(layout.psu_cell))
    if design.variance == "jkn":
        return jkn(layout.stratum)
    return rao_wu(layout.stratum, design.replicates, layout.seed)


async def served(
    session: AsyncSession,
    round_: Round,
    instrument: Instrument,
    layout: ReplicateLayout,
    design: Design,
    cells: int,
) -> Served:
    """The stored replicates of the round if they were built over this layout, else built now
    (and stored for the next request: a request that finds none catches up itself)."""
    active = await active_set(session, round_)
    key = digest(layout, design, active)
    found = await load(session, round_.id, key, layout)
    if found is not None:
        return found
    built, rows = await build(session, round_, instrument, layout, design, cells)
    bind = session.bind
    assert isinstance(bind, AsyncEngine)
    await save(bind, round_.id, key, "", active, layout, built, rows)
    return built


async def build(
    session: AsyncSession,
    round_: Round,
    instrument: Instrument,
    layout: ReplicateLayout,
    design: Design,
    cells: int,
) -> tuple[Served, float]:
    """Draw the factors, and calibrate every replicate again for a calibrated round; the
    build's seconds."""
    started = time.monotonic()
    reps = draw(design, layout)
    weights, calibration = None, None
    if design.weighting == "raked":
        drawn = replace(layout, reps=reps)
        found = await recalibrate(session, round_, instrument, drawn, cells)
        if found is not None:
            weights, calibration = found.weights, found.kind
    return Served(reps, weights, calibration, utcnow()), time.monotonic() - started


async def save(
    bind: AsyncEngine,
    round_id: int,
    key: str,
    source: str,
    active: Active,
    layout: ReplicateLayout,
    built: Served,
    seconds: float,
) -> None:
    """Replace the round's stored set (one transaction; PostgreSQL: one writer at a time)."""
    rows, ids, encoding, matrix = _encode(layout, built)
    async with AsyncSession(bind) as session, session.begin():
        if bind.dialect.name == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:k, :r)"), {"k": LOCK, "r": round_id}
            )
        await session.execute(delete(ReplicateChunk).where(ReplicateChunk.round_id == round_id))
        await session.execute(delete(ReplicateSet).where(ReplicateSet.round_id == round_id))
        reps = built.reps
        session.add(
            ReplicateSet(
                round_id=round_id,
                kind=reps.kind,
                source=source[:255],
                digest=key,
                weight_set_id=active.id,
                calibration=built.calibration,
                rows=rows,
                encoding=encoding,
                replicates=int(reps.factors.shape[0]),
                responses=len(layout.responses),
                scale=float(reps.scale),
                rscales=np.asarray(reps.rscales, dtype=np.float64).tobytes(),
                seed=int(layout.seed),
                as_of=built.as_of,
                build_ms=int(seconds * 1000),
            )
        )
        await session.flush()
        for chunk, lo in enumerate(range(0, len(ids), CHUNK)):
            session.add(
                ReplicateChunk(
                    round_id=round_id,
                    chunk=chunk,
                    ids=np.ascontiguousarray(ids[lo : lo + CHUNK]).tobytes(),
                    factors=np.ascontiguousarray(matrix[lo : lo + CHUNK]).tobytes(),
                )
            )


def _encode(layout: ReplicateLayout, built: Served) -> tuple[str, np.ndarray, str, np.ndarray]:
    """(rows, ids, encoding, matrix rows × R) of a set (app.models.replicate)."""
    if built.weights is not None:
        w = layout.weights
        ratio = built.weights.T / np.where(w > 0, w, 1.0)[:, None]
        return "response", layout.responses.astype(np.int64), "f8", ratio
    first = np.zeros(len(layout.psu_cell), dtype=np.int64)
    first[layout.psu[::-1]] = layout.responses[::-1]  # each PSU's first (smallest) response
    factors = built.reps.factors.T
    if built.reps.kind == "bootstrap":
        n_h = np.bincount(layout.stratum)[layout.stratum].astype(float)
        times = np.rint(factors / (n_h / (n_h - 1.0))[:, None])
        if times.max(initial=0) <= 255:
            return "psu", first, "u1", times.astype(np.uint8)
    return "psu", first, "f8", factors.astype(np.float64)


async def load(
    session: AsyncSession, round_id: int, key: str, layout: ReplicateLayout
) -> Served | None:
    """The stored set when it was built over this layout (``key``), else None."""
    stored = await session.get(ReplicateSet, round_id)
    if stored is None or stored.digest != key:
        return None
    chunks = (
        await session.scalars(
            select(ReplicateChunk.factors)
            .where(ReplicateChunk.round_id == round_id)
            .order_by(ReplicateChunk.chunk)
        )
    ).all()
    count = stored.replicates
    dtype = np.uint8 if stored.encoding == "u1" else np.float64
    matrix = np.concatenate(
        [np.frombuffer(c, dtype=dtype).reshape(-1, count) for c in chunks]
        or [np.zeros((0, count), dtype=dtype)]
    )
    rscales = np.frombuffer(stored.rscales, dtype=np.float64).copy()
    weights = None
    if stored.rows == "response":
        weights = (matrix * layout.weights[:, None]).T
        factors = np.zeros((count, len(layout.psu_cell)))  # not used: rows of a PSU differ
    elif stored.encoding == "u1":
        n_h = np.bincount(layout.stratum)[layout.stratum].astype(float)
        factors = (matrix.astype(np.float64) * (n_h / (n_h - 1.0))[:, None]).T
    else:
        factors = matrix.T
    reps = Replicates(stored.kind, np.ascontiguousarray(factors), stored.scale, rscales)
    return Served(reps, weights, stored.calibration, as_utc(stored.as_of))


async def stored_source(session: AsyncSession, round_id: int) -> str | None:
    """What the round's stored set was last checked against (the worker's cheap test)."""
    found: str | None = await session.scalar(
        select(ReplicateSet.source).where(ReplicateSet.round_id == round_id)
    )
    return found


async def mark_source(bind: AsyncEngine, round_id: int, source: str) -> None:
    async with AsyncSession(bind) as session, session.begin():
        stored = await session.get(ReplicateSet, round_id)
        if stored is not None:
            stored.source = source[:255]
