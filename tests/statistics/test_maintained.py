"""Maintained tallies stay equal to the live computation as responses arrive, are excluded
and restored, deleted, answers change, volumes change and the design changes."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.audit.service import CLI
from app.config import Settings
from app.rounds.service import get_round, set_volume
from app.statistics import cellstore, maintained
from app.statistics.load import round_engine
from app.statistics.tasks import vacuum_queue
from app.units.service import load_tree
from tests.factories import Province, add_response, ratings
from tests.statistics.design_data import seed, set_design, spread_responses


async def assert_maintained_equals_live(
    app: FastAPI, settings: Settings, se_abs: float = 1e-12
) -> None:
    """Every domain's estimates from the tallies (folded first) equal the live computation;
    ``se_abs``: the rounding allowed on SEs that are zero (sums over 10,000s of responses)."""
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
            assert abs(x.se - y.se) <= max(1e-9 * abs(y.se), se_abs), (x.se, y.se)
            if x.deff is None or y.deff is None:
                assert x.deff == y.deff
            else:
                assert abs(x.deff - y.deff) <= max(1e-9 * abs(y.deff), se_abs), (x.deff, y.deff)


async def execute(app: FastAPI, sql: str, **params: object) -> None:
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(text(sql), params)


@pytest.mark.parametrize("numpy_from", [maintained.NUMPY_PAIRS_FROM, 1])
async def test_tallies_follow_every_change(
    app: FastAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch, numpy_from: int
):
    # numpy_from = 1: every fold, not only rebuilds, sums cells and pairs from the masks
    monkeypatch.setattr(maintained, "NUMPY_PAIRS_FROM", numpy_from)
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


async def stamps(app: FastAPI) -> dict[tuple[int, bool, str], int]:
    async with app.state.db.sessions() as session:
        rows = await session.execute(
            text("SELECT -unit_id, given, skey, n FROM tally_cell WHERE unit_id < 0")
        )
        return {(int(u), bool(g), str(s)): int(n) for u, g, s, n in rows}


async def test_folds_stamp_the_cells_they_change(app: FastAPI, settings: Settings):
    # Reports keep cells in memory (app.statistics.cellstore) and re-read a cell only when a
    # fold gave it a new stamp: a fold must restamp exactly the cells it changes.
    province = await seed(app)
    await assert_maintained_equals_live(app, settings)
    before = await stamps(app)
    assert {u for u, _, _ in before} == {province.units[c].id for c in ("C11", "C12", "C21")}
    await add_response(app, province, "C12", ratings({"ACC1": 1}))
    await assert_maintained_equals_live(app, settings)
    after = await stamps(app)
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {(province.units["C12"].id, False, "")}
    exclude = "UPDATE response SET status = 'excluded' WHERE unit_id = :u AND id % 3 = 0"
    await execute(app, exclude, u=changed.pop()[0])
    await assert_maintained_equals_live(app, settings)  # C12's kept cell is read again


async def test_tallies_without_stamps_are_stamped(app: FastAPI, settings: Settings):
    province = await seed(app)
    await assert_maintained_equals_live(app, settings)
    await execute(app, "DELETE FROM tally_cell WHERE unit_id < 0")  # as built before stamps
    await add_response(app, province, "C21", ratings({"FBK1": 2}))
    await assert_maintained_equals_live(app, settings)
    assert len(await stamps(app)) == 3


async def test_rounds_too_large_to_keep_are_pooled_in_sql(
    app: FastAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(cellstore, "MAX_ROUND_BYTES", 0)
    province = await seed(app)
    await spread_responses(app, province)
    await set_design(app, province, "as-given", "column", "column")
    await assert_maintained_equals_live(app, settings)
    await add_response(app, province, "C11", ratings({"OFF2": 3}))
    await assert_maintained_equals_live(app, settings)


async def test_the_background_vacuum_cleans_the_queue(app: FastAPI, settings: Settings):
    if app.state.db.engine.dialect.name != "postgresql":
        pytest.skip("VACUUM of the queue's dead rows: PostgreSQL only")
    await seed(app)
    await assert_maintained_equals_live(app, settings)  # the fold leaves 46 dead queue rows
    await vacuum_queue(app.state.db.engine)  # what the worker's statistics.vacuum runs
    async with app.state.db.sessions() as session:
        vacuumed = await session.scalar(
            text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'tally_queue'")
        )
    assert vacuumed is not None
