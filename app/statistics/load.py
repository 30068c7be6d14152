"""Sufficient statistics of a round for its report: maintained tallies when the weighting
allows (refreshed first), else computed live from the responses."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.forms.registry import RegisteredForm
from app.models import Round, RoundUnit
from app.statistics.cells import Spec
from app.statistics.design import Design
from app.statistics.inference import DomainEstimates, Engine
from app.statistics.maintained import refresh, uses_maintained
from app.statistics.sufficient import RoundStats, load_live, load_maintained
from app.units.service import UnitTree


async def round_stats(
    session: AsyncSession,
    round_: Round,
    form: RegisteredForm,
    design: Design,
    pair_units: Collection[int] | None = None,
    live: bool = False,
) -> RoundStats:
    """``pair_units``: units whose cross-products are needed (None: all; empty: none, for
    point estimates only)."""
    spec = Spec.of(form.instrument)
    if live or not uses_maintained(design):
        return await load_live(session, round_.id, design, spec, pair_units)
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    await refresh(engine, round_.id, design, spec, form.content_hash)
    # A fresh session: the caller's may hold a snapshot from before the refresh (SQLite WAL).
    async with AsyncSession(engine) as fresh:
        return await load_maintained(fresh, round_.id, design, spec, pair_units)


async def round_engine(
    session: AsyncSession,
    round_: Round,
    form: RegisteredForm,
    timezone: str,
    tree: UnitTree,
    pair_units: Collection[int] | None = None,
    live: bool = False,
) -> Engine:
    """An estimation engine for any domain of the round."""
    design = Design.of(round_, timezone)
    stats = await round_stats(session, round_, form, design, pair_units, live)
    rows = await session.execute(
        select(RoundUnit.unit_id, RoundUnit.volume).where(RoundUnit.round_id == round_.id)
    )
    volumes = {int(unit): volume for unit, volume in rows}
    return Engine(form.instrument, stats, design, tree, volumes)


def unit_table(engine: Engine, tree: UnitTree, covered: set[int]) -> dict[int, DomainEstimates]:
    """Estimates of every unit whose subtree the round covers (each subtree pooled)."""
    table = {}
    for unit_id in tree.by_id:
        subtree = tree.subtree_ids(unit_id)
        if subtree & covered:
            table[unit_id] = engine.domain(subtree)
    return table
