"""Estimation engines for a round's reports: maintained tallies when the weighting allows (as
last folded by the background worker, or folded first when the request waits: see
app.statistics.freshness), else statistics computed live from the responses."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import replace

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.forms.registry import RegisteredForm
from app.forms.schema import Instrument
from app.models import Round, RoundUnit
from app.statistics import replicate_engine
from app.statistics.calibrated import ReplicateLayout, load_calibration
from app.statistics.cells import Spec, Split
from app.statistics.design import Design
from app.statistics.freshness import Freshness, has_pending, observed, stored_state, waiting
from app.statistics.inference import DomainEstimates, Engine
from app.statistics.maintained import refresh, uses_maintained
from app.statistics.sufficient import (
    RoundStats,
    live_head,
    load_live,
    load_maintained,
    pair_weights,
    pairs_live,
    pairs_maintained,
    with_pairs,
)
from app.units.service import UnitTree


def cell_groups(units: np.ndarray, domains: Sequence[set[int]] | None) -> np.ndarray:
    """Group of each cell: cells in exactly the same domains share one (-1: in none).
    Without domains every unit is its own group (any subtree is then a union of groups)."""
    member_of: dict[int, list[int]] = {}
    for i, domain in enumerate(domains or ()):
        for unit in domain:
            member_of.setdefault(unit, []).append(i)
    numbers: dict[object, int] = {}
    group = []
    for unit in units.tolist():
        key = unit if domains is None else tuple(member_of.get(unit, ()))
        group.append(numbers.setdefault(key, len(numbers)) if key != () else -1)
    return np.array(group, dtype=int)


async def round_volumes(session: AsyncSession, round_id: int) -> dict[int, int | None]:
    """Each covered unit's transaction volume for the round (None: unknown)."""
    rows = await session.execute(
        select(RoundUnit.unit_id, RoundUnit.volume).where(RoundUnit.round_id == round_id)
    )
    return {int(unit): volume for unit, volume in rows}


async def round_engine(
    session: AsyncSession,
    round_: Round,
    form: RegisteredForm,
    timezone: str,
    tree: UnitTree,
    domains: Sequence[set[int]] | None = None,
    live: bool = False,
    points_only: bool = False,
) -> Engine:
    """An engine for the given domains (sets of units; None: every subtree of the tree).
    ``points_only``: no cross-products are read and estimates carry no SE."""
    design = Design.of(round_, timezone)
    spec = Spec.of(form.instrument)
    volumes = await round_volumes(session, round_.id)
    if not live and uses_maintained(design) and design.variance != "linearisation":
        found = await _replicated(
            session, round_, form, design, tree, volumes, domains, points_only
        )
        if found is not None:
            return found
    if live or not uses_maintained(design) or design.variance != "linearisation":
        observed(round_.id, Freshness.live())
        stats = await load_live(session, round_.id, design, spec)
        engine = Engine(form.instrument, stats, design, tree, volumes)
        if not points_only:
            group = cell_groups(stats.units, domains)
            engine.stats = await pairs_live(
                session,
                round_.id,
                design,
                stats,
                group,
                pair_weights(stats, group, *engine.multipliers()),
            )
            await _calibrate(session, round_, form, engine)
            await _replicate(session, round_, engine)
        return engine
    bind = session.bind
    assert isinstance(bind, AsyncEngine)
    signature = design.signature(form.content_hash)
    if waiting() > 0:
        await catch_up(bind, round_.id, design, spec, form.content_hash, waiting())
    async with AsyncSession(_snapshot(bind)) as fresh:
        served = await _served_design(fresh, round_.id, design, signature)
        if served is None:  # never built (or for another instrument): the worker builds them
            return await round_engine(
                session, round_, form, timezone, tree, domains, True, points_only
            )
        tallies, stored, freshness = served
        stats = await load_maintained(fresh, round_.id, tallies, spec, stored)
        engine = Engine(form.instrument, stats, tallies, tree, volumes)
        if not points_only:
            group = cell_groups(stats.units, domains)
            engine.stats = await pairs_maintained(
                fresh, round_.id, stats, group, engine.multipliers()
            )
    observed(round_.id, freshness)
    return engine


async def _replicated(
    session: AsyncSession,
    round_: Round,
    form: RegisteredForm,
    design: Design,
    tree: UnitTree,
    volumes: dict[int, int | None],
    domains: Sequence[set[int]] | None,
    points_only: bool,
) -> Engine | None:
    """An engine under replicate weights served from the round's stored set and tallies, no
    pass over the responses (None: no stored Summary for this design: built live). Current
    (the set was summarised at the tally state reports are at): the tallies' cells with the
    Summary's replicate totals. Stale: the Summary's own cells, so points and SEs are of one
    moment, stated as its tally state (``stale``) while the worker refreshes it; a report
    that waits (``?fresh=true``) folds and summarises first, at most that long."""
    bind = session.bind
    assert isinstance(bind, AsyncEngine)
    spec = Spec.of(form.instrument)
    if waiting() > 0:
        await catch_up(bind, round_.id, design, spec, form.content_hash, waiting())
        await _summarised(bind, round_, form, design.timezone, waiting())
    async with AsyncSession(_snapshot(bind)) as fresh:
        found = await replicate_engine.summary_for(fresh, round_, design)
        if found is None:
            return None
        summary, stored, current = found
        signature = design.signature(form.content_hash)
        served = await _served_design(fresh, round_.id, design, signature)
        current = current and served is not None and not served[2].stale
        if current and served is not None:
            freshness = served[2]
            stats = await load_maintained(fresh, round_.id, design, spec, served[1])
        else:
            as_of = summary.tallies_as_of or stored.as_of
            freshness = Freshness("tallies", as_of, True, True, summary.folded)
            stats = RoundStats(spec, list(summary.keys), summary.t, summary.psus)
        engine = Engine(form.instrument, stats, design, tree, volumes)
        if not points_only:
            group = cell_groups(stats.units, domains)
            if current:
                engine.stats = await pairs_maintained(
                    fresh, round_.id, stats, group, engine.multipliers()
                )
            else:  # the tallies' cross-products are of another moment: no deff while stale
                engine.stats = with_pairs(stats, group, [], None)
            replicate_engine.attach_summary(engine, summary, stored)
    observed(round_.id, freshness)
    return engine


async def _summarised(
    bind: AsyncEngine, round_: Round, form: RegisteredForm, timezone: str, limit: float
) -> None:
    """Wait (at most ``limit`` s) for the round's stored set to be summarised at the current
    tally state, doing the worker's step here (shielded: past the timeout it goes on)."""
    with suppress(TimeoutError):
        keeping = replicate_engine.keep(bind, round_, form, timezone)
        await asyncio.wait_for(asyncio.shield(keeping), limit if math.isfinite(limit) else None)


async def _replicate(session: AsyncSession, round_: Round, engine: Engine) -> None:
    """Replicate factors and every cell's replicate totals (design.variance not
    linearisation), from the round's stored replicates (a calibrated round's: each replicate
    calibrated again)."""
    if engine.design.variance != "linearisation":
        await replicate_engine.attach(session, round_, engine.instrument, engine)


async def round_replicates(
    session: AsyncSession, round_: Round, instrument: Instrument, timezone: str, tree: UnitTree
) -> tuple[ReplicateLayout, np.ndarray | None] | None:
    """The replicate factors the round's standard errors use, per response, and for a
    calibrated round each replicate's weights calibrated again ((R, responses); None: the
    factors apply to the final weights) — for the microdata export (None: linearised)."""
    design = Design.of(round_, timezone)
    if design.variance == "linearisation":
        return None
    stats = await load_live(session, round_.id, design, Spec.of(instrument))
    engine = Engine(instrument, stats, design, tree, await round_volumes(session, round_.id))
    layout, found = await replicate_engine.whole_layout(session, round_, instrument, engine)
    return layout, found.weights


async def _calibrate(
    session: AsyncSession, round_: Round, form: RegisteredForm, engine: Engine
) -> None:
    """Residual variance for a round weighted by a raked or post-stratified set."""
    design = engine.design
    if design.weighting != "raked":
        return
    dialect = session.get_bind().dialect
    head, params = live_head(round_.id, design, engine.stats.spec, dialect, None)
    found = await load_calibration(
        session,
        round_,
        form.instrument,
        head,
        params,
        engine.stats.keys,
        engine.stratum,
        engine.scale,
        engine.stats.spec.criteria,
    )
    if found is not None:
        engine.calibration = found
        engine.design = replace(design, calibration=found.kind)


def _snapshot(bind: AsyncEngine) -> AsyncEngine:
    """Reads of one snapshot: the state and the cells it describes (SQLite: a read transaction
    is one snapshot already)."""
    if bind.dialect.name == "postgresql":
        return bind.execution_options(isolation_level="REPEATABLE READ")
    return bind


async def catch_up(
    bind: AsyncEngine, round_id: int, design: Design, spec: Spec, form_hash: str, limit: float
) -> None:
    """Wait (at most ``limit`` s) for the round's queue to be folded, folding it here if no
    one else is; past the timeout the report serves what is folded (``pending`` says so)."""
    with suppress(TimeoutError):
        # Shielded: past the timeout the fold goes on (and commits) without this request.
        folding = refresh(bind, round_id, design, spec, form_hash)
        await asyncio.wait_for(asyncio.shield(folding), limit if math.isfinite(limit) else None)


def _form(signature: str) -> str:
    """The instrument's hash in a tally signature (its last part)."""
    return signature.rsplit("|", 1)[-1]


async def _served_design(
    session: AsyncSession, round_id: int, design: Design, signature: str
) -> tuple[Design, str, Freshness] | None:
    """The design to read the stored tallies with (the current one, or while a rebuild for a
    new design is due, the one they were built for), their signature and freshness; None when
    there are none to read."""
    stored = await stored_state(session, round_id)
    if stored is None or stored.as_of is None:
        return None
    same = stored.signature == signature
    if not same and (stored.design is None or _form(signature) != _form(stored.signature)):
        return None  # another instrument: its tallies do not answer this one's questions
    pending = await has_pending(session, round_id)
    freshness = Freshness(
        "tallies", stored.as_of, pending, stored.stale or not same, stored.folded, stored.data_at
    )
    return (design if same else stored.design or design), stored.signature, freshness


async def split_engine(
    session: AsyncSession,
    round_: Round,
    form: RegisteredForm,
    timezone: str,
    tree: UnitTree,
    split: Split,
) -> Engine:
    """An engine for the domains "responses of ``split.unit_ids`` in category c": cells of
    those responses per category (computed live), strata and PSU counts of the whole sample
    (as R's subset() or svyby keep the design); ask it with ``domain(units, category)``."""
    replicated = Design.of(round_, timezone).variance != "linearisation"  # cells of this moment
    whole = await round_engine(
        session, round_, form, timezone, tree, live=replicated, points_only=True
    )
    design, spec = whole.design, whole.stats.spec
    stats = await load_live(session, round_.id, design, spec, split)
    volumes = await round_volumes(session, round_.id)
    engine = Engine(form.instrument, stats, design, tree, volumes, sample=whole.stats)
    group = engine.part  # a group per category: each domain is one
    engine.stats = await pairs_live(
        session,
        round_.id,
        design,
        stats,
        group,
        pair_weights(stats, group, *engine.multipliers()),
        split,
    )
    if design.variance != "linearisation":  # each category's replicate estimates
        await replicate_engine.attach_split(session, round_, form.instrument, engine, whole, split)
    return engine


def unit_table(engine: Engine, tree: UnitTree, covered: set[int]) -> dict[int, DomainEstimates]:
    """Estimates of every unit whose subtree the round covers (each subtree pooled)."""
    table = {}
    for unit_id in tree.by_id:
        subtree = tree.subtree_ids(unit_id)
        if subtree & covered:
            table[unit_id] = engine.domain(subtree)
    return table
