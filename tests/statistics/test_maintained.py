"""Maintained tallies stay equal to the live computation as responses arrive, are excluded
and restored, deleted, answers change, volumes change and the design changes."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.audit.service import CLI
from app.config import Settings
from app.rounds.service import get_round, set_volume
from app.statistics.load import round_engine
from app.units.service import load_tree
from tests.factories import Province, add_response, ratings
from tests.statistics.design_data import seed, set_design, spread_responses


async def assert_maintained_equals_live(app: FastAPI, settings: Settings) -> None:
    form = app.state.catalogue.get("one-stop-counter")
    async with app.state.db.sessions() as session:
        round_ = await get_round(session, "R2026")
        tree = await load_tree(session)
        engines = [
            await round_engine(session, round_, form, settings.timezone, tree, live=flag)
            for flag in (False, True)
        ]
    for code in ("P", "D1", "D2", "C11", "C12", "C21"):
        a, b = (e.domain(tree.subtree_ids(tree.get(code).id)) for e in engines)
        assert (a.respondents, a.weight) == (b.respondents, pytest.approx(b.weight, rel=1e-12))
        pairs = [
            (a.overall, b.overall),
            *zip(a.elements.values(), b.elements.values(), strict=True),
        ]
        for x, y in [*pairs, *zip(a.criteria.values(), b.criteria.values(), strict=True)]:
            assert (x.n, x.df) == (y.n, y.df)
            assert x.index == pytest.approx(y.index, rel=1e-12)
            assert x.se == pytest.approx(y.se, rel=1e-9, abs=1e-12)
            assert x.deff == pytest.approx(y.deff, rel=1e-9)


async def execute(app: FastAPI, sql: str, **params: object) -> None:
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(text(sql), params)


async def test_tallies_follow_every_change(app: FastAPI, settings: Settings):
    province: Province = await seed(app)
    await set_design(app, province, "volume", "unit", None, True)
    await assert_maintained_equals_live(app, settings)  # first read builds

    await add_response(app, province, "C12", ratings({"ACC1": 1, "PRO2": "na"}))
    await assert_maintained_equals_live(app, settings)  # folded from the queue

    await execute(app, "UPDATE response SET status = 'excluded' WHERE id IN (1, 2, 30)")
    await assert_maintained_equals_live(app, settings)
    await execute(app, "UPDATE response SET status = 'valid' WHERE id = 2")
    await assert_maintained_equals_live(app, settings)

    async with app.state.db.write_sessions.begin() as session:
        await set_volume(session, CLI, province.round, province.units["C21"], 5000)
    await assert_maintained_equals_live(app, settings)  # weights are derived when read

    await execute(app, "UPDATE answer SET value = 1 WHERE response_id = 3 AND question = 'ACC2'")
    await assert_maintained_equals_live(app, settings)  # marked stale → rebuilt
    await execute(app, "DELETE FROM response WHERE id = 4")
    await assert_maintained_equals_live(app, settings)

    await spread_responses(app, province)  # base weights, stratum/psu columns, days
    await assert_maintained_equals_live(app, settings)
    await set_design(app, province, "as-given", "column", "day")
    await assert_maintained_equals_live(app, settings)  # another design: rebuilt
    await add_response(app, province, "C11", ratings({"OFF1": 2}))
    await assert_maintained_equals_live(app, settings)


async def test_queue_is_emptied_and_state_recorded(app: FastAPI, settings: Settings):
    province = await seed(app)
    await assert_maintained_equals_live(app, settings)
    async with app.state.db.sessions() as session:
        queued = await session.scalar(text("SELECT count(*) FROM tally_queue"))
        state = (await session.execute(text("SELECT signature, stale FROM tally_state"))).one()
    assert queued == 0 and not state.stale and state.signature.startswith("v1|")
    assert province.round.id
