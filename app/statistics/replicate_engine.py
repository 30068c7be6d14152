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

from dataclasses import replace

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.forms.schema import Instrument
from app.models import Round
from app.statistics.calibrated import ReplicateLayout, per_response, replicate_layout
from app.statistics.cells import Split
from app.statistics.inference import Engine
from app.statistics.replicate_store import Served, served
from app.statistics.replicates import Replicates, group_totals
from app.statistics.sufficient import live_head


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
