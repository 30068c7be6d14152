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
import io
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
from app.statistics.replicates import (
    Replicates,
    group_totals,
    jk1,
    jkn,
    matrix_rank,
    rao_wu,
)

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


@dataclass(frozen=True)
class Summary:
    """What a report under replicate weights reads instead of the responses (#14), per cell of
    the round's estimates (``keys``: unit, given, stratum key), as of the tally state ``stamp``
    (``tallies_as_of``, ``folded``): the cells' counts (``t``, ``psus``: RoundStats'), their
    replicate totals (cells, R, 2C) and what a domain's degrees of freedom need — each cell's
    PSUs and stratum, and for the bootstrap up to R + 16 of its PSUs' factors (cells, S, R)
    and the Gram matrix of all of them (cells, R, R): the rank of a union of cells' columns
    is the rank of the sum of their Grams."""

    stamp: str
    tallies_as_of: datetime | None
    folded: int
    keys: list[tuple[int, bool, str]]
    t: np.ndarray
    psus: np.ndarray
    totals: np.ndarray
    cell_psus: np.ndarray
    cell_stratum: np.ndarray
    samples: np.ndarray
    grams: np.ndarray

    def encode(self) -> bytes:
        out = io.BytesIO()
        np.savez(
            out,
            head=np.array(
                [
                    self.stamp,
                    "" if self.tallies_as_of is None else self.tallies_as_of.isoformat(),
                    str(self.folded),
                ]
            ),
            units=np.array([k[0] for k in self.keys], dtype=np.int64),
            given=np.array([k[1] for k in self.keys], dtype=bool),
            skeys=np.array([k[2] for k in self.keys], dtype=str),
            t=self.t,
            psus=self.psus,
            totals=self.totals,
            cell_psus=self.cell_psus,
            cell_stratum=self.cell_stratum,
            samples=self.samples,
            grams=self.grams,
        )
        return out.getvalue()

    @classmethod
    def decode(cls, raw: bytes) -> Summary:
        with np.load(io.BytesIO(raw), allow_pickle=False) as z:
            stamp, as_of, folded = (str(v) for v in z["head"])
            keys = list(
                zip(
                    (int(u) for u in z["units"]),
                    (bool(g) for g in z["given"]),
                    (str(k) for k in z["skeys"]),
                    strict=True,
                )
            )
            t, psus, totals = z["t"], z["psus"], z["totals"]
            cell_psus, cell_stratum = z["cell_psus"], z["cell_stratum"]
            samples, grams = z["samples"], z["grams"]
        moment = as_utc(datetime.fromisoformat(as_of)) if as_of else None
        return cls(
            stamp,
            moment,
            int(folded),
            keys,
            t,
            psus,
            totals,
            cell_psus,
            cell_stratum,
            samples,
            grams,
        )

    def rank(self, member: np.ndarray, kind: str) -> int:
        """The rank of the replicate weights of the domain made of the cells ``member`` (as
        app.statistics.replicates.replicate_rank over its PSUs)."""
        k = int(self.cell_psus[member].sum())
        if kind == "jk1":
            return k
        if kind == "jkn":
            strata = int(self.cell_stratum.max(initial=-1)) + 1
            sizes = np.bincount(self.cell_stratum, self.cell_psus, minlength=strata)
            held = np.bincount(self.cell_stratum[member], self.cell_psus[member], minlength=strata)
            whole = int(((held == sizes) & (sizes > 0)).sum())
            return k - max(0, whole - 1)
        count = self.totals.shape[1]
        at = np.flatnonzero(member)
        columns = self.samples[at].reshape(-1, count)
        columns = columns[np.abs(columns).sum(axis=1) > 0][: count + 16]
        every = bool((self.cell_psus[at] <= self.samples.shape[1]).all())
        if every and len(columns) <= count + 16:  # every PSU of the domain: its columns
            return matrix_rank(columns.T) if len(columns) else 0
        rank = matrix_rank(columns.T)
        return rank if rank == count else matrix_rank(self.grams[at].sum(axis=0))


def summarize(
    layout: ReplicateLayout,
    reps: Replicates,
    keys: list[tuple[int, bool, str]],
    t: np.ndarray,
    psus: np.ndarray,
    stamp: tuple[str, datetime | None, int],
) -> Summary:
    """The set's Summary over the layout (weights taken as fixed: factors per PSU)."""
    cells, count = len(keys), reps.factors.shape[0]
    totals = group_totals(reps, layout.x, layout.psu_cell, cells)
    cell_psus = np.bincount(layout.psu_cell, minlength=cells).astype(np.int64)
    cell_stratum = np.zeros(cells, dtype=np.int64)
    cell_stratum[layout.psu_cell] = layout.stratum
    width = count + 16 if reps.kind == "bootstrap" else 0
    samples = np.zeros((cells, width, count))
    grams = np.zeros((cells, count, count) if width else (cells, 0, 0))
    if width:
        order = np.argsort(layout.psu_cell, kind="stable")
        bounds = np.searchsorted(layout.psu_cell[order], np.arange(cells + 1))
        for c in range(cells):
            part = reps.factors[:, order[bounds[c] : bounds[c + 1]]]
            samples[c, : min(width, part.shape[1])] = part[:, :width].T
            grams[c] = part @ part.T
    return Summary(
        stamp[0], stamp[1], stamp[2], keys, t, psus, totals, cell_psus, cell_stratum, samples, grams
    )


async def save_summary(bind: AsyncEngine, round_id: int, source: str, summary: Summary) -> None:
    async with AsyncSession(bind) as session, session.begin():
        stored = await session.get(ReplicateSet, round_id)
        if stored is not None:
            stored.source, stored.summary = source[:255], summary.encode()


async def stored_summary(
    session: AsyncSession, round_id: int
) -> tuple[str, Served, Summary] | None:
    """The round's stored set's source, its replicates without factors (a report under
    replicate weights needs their kind and scales only) and its Summary (None: none
    summarised)."""
    row = (
        await session.execute(
            select(
                ReplicateSet.source,
                ReplicateSet.as_of,
                ReplicateSet.summary,
                ReplicateSet.kind,
                ReplicateSet.replicates,
                ReplicateSet.scale,
                ReplicateSet.rscales,
                ReplicateSet.calibration,
            ).where(ReplicateSet.round_id == round_id)
        )
    ).first()
    if row is None or row.summary is None:
        return None
    source, as_of, raw, kind, count, scale, rscales, calibration = row
    assert raw is not None
    factors = np.zeros((int(count), 0))
    reps = Replicates(str(kind), factors, float(scale), np.frombuffer(rscales, dtype=np.float64))
    return str(source), Served(reps, None, calibration, as_utc(as_of)), Summary.decode(raw)
