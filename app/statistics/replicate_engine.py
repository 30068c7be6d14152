"""An engine's replicate variance (design.variance jk1 | jkn | bootstrap) from the round's
stored replicates (app.statistics.replicate_store): every cell's replicate totals
Σ w_r·v, for the engine's cells (unit, stratum) or a breakdown's (unit, stratum, category).

A breakdown by category (app.statistics.load.split_engine) takes the whole sample's replicate
weights of each response, so each category's replicate estimates are R's
``svyby(~sat, ~category, subset(rep, domain), svyratio)`` (a subset of a replicate design keeps
the weights of every replicate); its df is the rank of the category's replicate weights − 1
(R ``degf(subset(rep, domain & category))``).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.forms.registry import RegisteredForm
from app.forms.schema import Instrument
from app.models import Round, RoundUnit
from app.statistics.calibrated import ReplicateLayout, per_response, replicate_layout
from app.statistics.cells import Spec, Split
from app.statistics.design import Design
from app.statistics.freshness import stored_state
from app.statistics.inference import Engine
from app.statistics.replicate_store import (
    Active,
    Served,
    Summary,
    active_set,
    build,
    digest,
    load,
    mark_source,
    save,
    save_summary,
    served,
    stored_source,
    stored_summary,
    summarize,
)
from app.statistics.replicates import Replicates, group_totals
from app.statistics.sufficient import live_head, load_live
from app.units.service import load_tree


async def whole_layout(
    session: AsyncSession, round_: Round, instrument: Instrument, engine: Engine
) -> tuple[ReplicateLayout, Served]:
    """The layout of the whole sample (``engine``: over the round's cells, not a split) and
    its stored replicates; the layout's ``reps`` are the stored factors."""
    design = engine.design
    dialect = session.get_bind().dialect
    head, params = live_head(round_.id, design, engine.stats.spec, dialect, None)
    keys, stratum = engine.stats.keys, engine.stratum
    layout = await replicate_layout(
        session, head, params, keys, stratum, design, design.seed, draw=False
    )
    found = await served(session, round_, instrument, layout, design, len(keys))
    return replace(layout, reps=found.reps), found


async def attach(
    session: AsyncSession, round_: Round, instrument: Instrument, engine: Engine
) -> None:
    """The engine's replicate factors and every cell's replicate totals."""
    layout, found = await whole_layout(session, round_, instrument, engine)
    engine.replicates, engine.replicate_layout = layout.reps, layout
    cells = len(engine.stats.keys)
    if found.weights is None:
        engine.replicate_totals = group_totals(layout.reps, layout.x, layout.psu_cell, cells)
    else:  # calibrated again: each response its own weights
        engine.replicate_weights = found.weights
        cell = layout.psu_cell[layout.psu]
        reps = layout.reps
        own = Replicates(reps.kind, found.weights, reps.scale, reps.rscales)
        engine.replicate_totals = group_totals(own, layout.v.astype(np.float64), cell, cells)
    engine.design = replace(
        engine.design, calibration=found.calibration, replicates_as_of=found.as_of
    )


async def attach_split(
    session: AsyncSession,
    round_: Round,
    instrument: Instrument,
    engine: Engine,
    whole: Engine,
    split: Split,
) -> None:
    """A breakdown's replicate totals per (unit, stratum, category) cell, from the whole
    sample's replicate weights of each of its responses."""
    layout, found = await whole_layout(session, round_, instrument, whole)
    weights = found.weights
    if weights is None:  # w·f of each response
        weights = layout.reps.factors[:, layout.psu] * layout.weights[None, :]
    dialect = session.get_bind().dialect
    head, params = live_head(round_.id, engine.design, engine.stats.spec, dialect, split)
    order = " ORDER BY b.response_id"
    query = head + per_response(len(engine.stats.spec.criteria)) + order
    rows = (await session.execute(text(query), params)).all()
    cell_of = {(int(u), str(s)): i for i, (u, _g, s) in enumerate(engine.stats.keys)}
    cell = np.array([cell_of[(int(r[1]), str(r[2]))] for r in rows], dtype=np.intp)
    ids = np.array([int(r[0]) for r in rows], dtype=np.int64)
    at = np.searchsorted(layout.responses, ids)
    at = np.minimum(at, max(len(layout.responses) - 1, 0))
    if len(ids) and (layout.responses[at] != ids).any():
        raise RuntimeError("a response of the breakdown has no replicate weights")
    own = np.ascontiguousarray(weights[:, at])  # (R, the split's responses)
    split_reps = Replicates(layout.reps.kind, own, layout.reps.scale, layout.reps.rscales)
    values = layout.v[at].astype(np.float64)
    cells = len(engine.stats.keys)
    engine.replicates = split_reps
    engine.replicate_totals = group_totals(split_reps, values, cell, cells)
    engine.replicate_weights = own  # df: the rank of a category's replicate weights
    engine.replicate_layout = ReplicateLayout(
        split_reps,
        ids,
        np.arange(len(ids), dtype=np.intp),
        cell,
        values,
        layout.seed,
        np.zeros(len(ids), dtype=np.intp),
        layout.v[at],
        layout.weights[at],
    )
    engine.design = replace(
        engine.design, calibration=found.calibration, replicates_as_of=found.as_of
    )


async def watermark(
    session: AsyncSession, round_: Round, design: Design, active: Active
) -> tuple[str, str, tuple[str, datetime | None, int]]:
    """What a round's stored set and its Summary are a function of: (the design, the active
    weight set and the covered units' volumes; the tally state, the watermark a report's
    Last-Modified uses; that state as (stamp, as_of, folds))."""
    state = await stored_state(session, round_.id)
    stamp = "" if state is None else f"{state.as_of}|{state.folded}|{state.stale}"
    volumes = sorted((await round_volumes(session, round_.id)).items())
    hashed = hashlib.sha256(repr(volumes).encode()).hexdigest()[:16]
    made = f"{design.variance}|{design.replicates}|{design.seed}|{design.strata}|{design.psu}|"
    made += f"{design.weighting}|{design.timezone}|{hashed}|{active.key}|"
    folded = (stamp, None, 0) if state is None else (stamp, state.as_of, state.folded)
    return made, stamp, folded


async def keep(bind: AsyncEngine, round_: Round, form: RegisteredForm, timezone: str) -> bool:
    """The worker's step for one round with replicate variance: (re)build its stored set when
    the design, the active weight set or the responses (the tallies' last fold) changed since
    it was last checked, and its Summary (a round whose weights are taken as fixed) at the
    tally state now; True when it built or summarised one."""
    design = Design.of(round_, timezone)
    async with AsyncSession(bind) as session:
        active = await active_set(session, round_)
        made, stamp, folded = await watermark(session, round_, design, active)
        source = made + stamp
        if await stored_source(session, round_.id) == source[:255]:
            return False
        tree = await load_tree(session)
        stats = await load_live(session, round_.id, design, Spec.of(form.instrument))
        volumes = await round_volumes(session, round_.id)
        engine = Engine(form.instrument, stats, design, tree, volumes)
        head, params = live_head(round_.id, design, stats.spec, session.get_bind().dialect, None)
        layout = await replicate_layout(
            session, head, params, stats.keys, engine.stratum, design, design.seed, draw=False
        )
        key = digest(layout, design, active)
        found = await load(session, round_.id, key, layout)
        built = found is None
        if found is None:
            found, seconds = await build(
                session, round_, form.instrument, layout, design, len(stats.keys)
            )
            await save(bind, round_.id, key, source, active, layout, found, seconds)
        if found.weights is None:
            summary = summarize(layout, found.reps, stats.keys, stats.t, stats.psus, folded)
            await save_summary(bind, round_.id, source, summary)
        elif not built:
            await mark_source(bind, round_.id, source)
    return True


async def summary_for(
    session: AsyncSession, round_: Round, design: Design
) -> tuple[Summary, Served, bool] | None:
    """The round's stored Summary if it was built for this design, weight set and volumes,
    with the set's replicates (no factors) and whether it is current (built at the tally state the
    round's reports are at now); None: none to serve (the engine is built live)."""
    found = await stored_summary(session, round_.id)
    if found is None:
        return None
    source, stored, summary = found
    made, stamp, _ = await watermark(session, round_, design, await active_set(session, round_))
    if not source.startswith(made[:255]):
        return None
    return summary, stored, source == (made + stamp)[:255]


def attach_summary(engine: Engine, summary: Summary, stored: Served) -> None:
    """The engine's replicate totals from a stored Summary, in the engine's cell order. Cells
    are matched by unit and stratum: the tallies keep a unit's responses with given and with
    derived weights apart, the live cells the Summary was made of hold final weights (each
    (unit, stratum)'s totals go to the first of its cells: domains are unions of units). A
    cell the Summary has not seen has none (it is current, or served with its own cells)."""
    at = {(unit, skey): i for i, (unit, _given, skey) in enumerate(summary.keys)}
    row = np.array([at.get((unit, skey), -1) for unit, _given, skey in engine.stats.keys])
    first = np.zeros(len(row), dtype=bool)
    _, kept = np.unique(row, return_index=True)
    first[kept] = True
    totals = np.zeros((len(row), *summary.totals.shape[1:]))
    chosen = first & (row >= 0)
    totals[chosen] = summary.totals[row[chosen]]
    engine.replicates, engine.replicate_totals = stored.reps, totals
    engine.replicate_summary = (summary, row)
    engine.design = replace(engine.design, replicates_as_of=stored.as_of)


async def round_volumes(session: AsyncSession, round_id: int) -> dict[int, int | None]:
    rows = await session.execute(
        select(RoundUnit.unit_id, RoundUnit.volume).where(RoundUnit.round_id == round_id)
    )
    return {int(unit): volume for unit, volume in rows}
