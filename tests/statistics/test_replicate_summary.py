"""A report under replicate weights reads the stored set's Summary, not the responses (#14):
current (summarised at the tally state the round is at), its SEs and degrees of freedom are
the live engine's; stale (a response changed since), the Summary's own moment is served and
said to be stale, until the worker's step (or a report that waits) summarises again."""

from __future__ import annotations

import math

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.config import Settings
from app.rounds.service import get_round
from app.statistics.cells import Spec
from app.statistics.design import Design
from app.statistics.freshness import Freshness, observing, set_waiting
from app.statistics.inference import Engine
from app.statistics.load import catch_up, round_engine
from app.units.service import load_tree
from tests.statistics.design_data import DOMAINS, apply_case, seed

# Rao–Wu bootstrap, unit strata, day PSUs: a domain's df is the rank of its replicate weights
CASE = ("volume", "unit", "day", False, True)


async def _engine(app: FastAPI, settings: Settings, live: bool = False) -> tuple[Engine, Freshness]:
    form = app.state.catalogue.get("one-stop-counter")
    async with app.state.db.sessions() as session:
        round_ = await get_round(session, "R2026")
        with observing() as seen:
            tree = await load_tree(session)
            engine = await round_engine(session, round_, form, settings.timezone, tree, live=live)
    return engine, seen[round_.id]


def _figures(engine: Engine, domains: dict[str, set[int]]) -> list[tuple[float, float, int]]:
    found = []
    for units in domains.values():
        estimates = engine.domain(units)
        for est in [*estimates.criteria.values(), estimates.overall]:
            found.append((est.index or 0.0, est.se or 0.0, est.df or 0))
    return found


async def test_reports_read_the_summary_current_then_stale(app: FastAPI, settings: Settings):
    province = await seed(app)
    await apply_case(app, province, CASE)
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(
            text("UPDATE round SET design_variance = 'bootstrap', design_replicates = 20")
        )
    await app.state.db.engine.dispose()
    domains = {d: {province.units[u].id for u in units} for d, units in DOMAINS.items()}

    set_waiting(math.inf)  # folds and summarises first
    served, freshness = await _engine(app, settings)
    assert served.replicate_summary is not None and served.replicate_layout is None
    assert freshness.source == "tallies" and not freshness.stale
    live, _ = await _engine(app, settings, live=True)
    assert live.replicate_layout is not None and live.replicate_summary is None
    before = _figures(served, domains)
    for ours, theirs in zip(before, _figures(live, domains), strict=True):
        assert ours[:2] == pytest.approx(theirs[:2], rel=1e-12, abs=1e-13)
        assert ours[2] == theirs[2]

    async with app.state.db.write_sessions.begin() as session:
        await session.execute(
            text("DELETE FROM response WHERE id = (SELECT MAX(id) FROM response)")
        )
    await app.state.db.engine.dispose()
    form = app.state.catalogue.get("one-stop-counter")
    async with app.state.db.sessions() as session:
        design = Design.of(await get_round(session, "R2026"), settings.timezone)
    spec = Spec.of(form.instrument)
    bind, round_id = app.state.db.engine, province.round.id
    await catch_up(bind, round_id, design, spec, form.content_hash, math.inf)  # the fold only
    set_waiting(0.0)  # a report that does not wait: the Summary as it was, said to be stale
    stale, freshness = await _engine(app, settings)
    assert stale.replicate_summary is not None and freshness.stale
    for ours, theirs in zip(_figures(stale, domains), before, strict=True):  # the same moment
        assert ours[:2] == pytest.approx(theirs[:2], rel=1e-12, abs=1e-13)
        assert ours[2] == theirs[2]
    assert stale.domain(domains[next(iter(domains))]).overall.deff is None

    set_waiting(math.inf)  # a report that waits: summarised again, the live figures
    again, freshness = await _engine(app, settings)
    assert again.replicate_summary is not None and not freshness.stale
    live, _ = await _engine(app, settings, live=True)
    after = _figures(again, domains)
    assert after != before
    for ours, theirs in zip(after, _figures(live, domains), strict=True):
        assert ours[:2] == pytest.approx(theirs[:2], rel=1e-12, abs=1e-13)
        assert ours[2] == theirs[2]
