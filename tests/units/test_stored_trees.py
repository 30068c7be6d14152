"""The dated trees stored by the worker (``units.store_trees``): a process's first report reads
its day's tree from one row, equal to the tree resolved from the history; a unit change makes
the stored rows of the older hierarchy version unused, and the next pass replaces them."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import UnitTreeStored
from app.units import history
from app.units.history import DatedTree, hierarchy_as_of, hierarchy_stamp, resolve_hierarchy
from app.units.tasks import STORE_TREES
from app.worker.registry import Context
from app.worker.tasks import load_tasks
from tests.factories import province_today
from tests.units.test_history import province_with_answers, report

TODAY = province_today()
STARTS = TODAY - timedelta(days=30)  # make_province: the round starts 30 days ago
PAST = TODAY - timedelta(days=10)


def shape(tree: DatedTree) -> dict:
    """Everything a report reads of a tree."""
    return {
        "by_id": dict(tree.by_id),
        "by_code": dict(tree.by_code),
        "children": {k: list(v) for k, v in tree.children.items() if v},
        "order": (list(tree.by_id), list(tree.by_code)),
        "inactive": tree.inactive,
        "later": tree.later,
        "absorbed": {k: sorted(v) for k, v in tree.absorbed.items()},
        "subtrees": {n.id: tree.subtree_ids(n.id) for n in tree.by_id.values()},
    }


async def store(app: FastAPI) -> int:
    ctx = Context(app.state.db, app.state.settings, app.state.catalogue)
    return await load_tasks()[STORE_TREES].run(ctx)


async def stored_rows(app: FastAPI) -> list[tuple]:
    async with app.state.db.sessions() as session:
        rows = await session.execute(
            select(UnitTreeStored.stamp_id, UnitTreeStored.valid_from, UnitTreeStored.valid_to)
        )
        return sorted((tuple(r) for r in rows), key=lambda r: r[1] or date.min)


async def test_a_first_report_reads_the_stored_tree_equal_to_the_resolved_one(
    app: FastAPI, client: httpx.AsyncClient
):
    await province_with_answers(app, client)
    merge = {
        "sources": ["D1", "D2"],
        "into": "D3",
        "name": "Sở hợp nhất",
        "effective": str(PAST),
        "move_children": True,
    }
    assert (await client.post("/api/v1/units/merge", json=merge)).status_code == 200
    split = {
        "unit": "C12",
        "into": [
            {"code": "C12A", "share": 0.6, "name": "Quầy A"},
            {"code": "C12B", "share": 0.4, "name": "Quầy B"},
        ],
        "effective": str(PAST + timedelta(days=1)),
    }
    assert (await client.post("/api/v1/units/split", json=split)).status_code == 200
    served = {as_of: await report(client, "P", as_of) for as_of in ("", "&as_of=now")}

    assert await store(app) == 2  # the round's day (before both events) and today's
    assert await store(app) == 0  # nothing new: nothing stored again
    async with app.state.db.sessions() as session:
        stamp = await hierarchy_stamp(session)
        assert stamp is not None
        for day in (STARTS, TODAY, PAST + timedelta(days=5)):  # the last: today's period
            found = await history.stored_tree(session, stamp, day)
            assert found is not None, day
            resolved = await resolve_hierarchy(session, day)
            assert shape(found[1]) == shape(resolved)
            assert found[1].day == day
        assert await history.stored_tree(session, stamp, PAST) is None  # the merge's day alone

    # A new process (nothing in memory) serves the same reports from the stored rows.
    history._KEPT.clear()
    async with app.state.db.sessions() as session:
        tree = await hierarchy_as_of(session, STARTS)
        kept = history._KEPT[str(session.bind.url)]
        assert kept.snapshot is None  # the history was not read
        assert "D1" in tree.by_code and "D3" not in tree.by_code  # the merge came later
    for as_of, was in served.items():
        assert await report(client, "P", as_of) == was


async def test_a_unit_change_leaves_the_stored_trees_unused_until_stored_again(
    app: FastAPI, client: httpx.AsyncClient
):
    await province_with_answers(app, client)
    assert await store(app) == 1  # no change dated yet: the round's day and today share a tree
    before = await stored_rows(app)
    assert len(before) == 1 and before[0][1:] == (None, None)

    rename = {"kind": "rename", "unit": "C21", "name": "Quầy mới", "effective": str(PAST)}
    assert (await client.post("/api/v1/units/events", json=rename)).status_code == 200
    history._KEPT.clear()
    async with app.state.db.sessions() as session:
        stamp = await hierarchy_stamp(session)
        assert await history.stored_tree(session, stamp, TODAY) is None  # an older version's
        assert (await hierarchy_as_of(session, TODAY)).by_code["C21"].name == "Quầy mới"

    assert await store(app) == 2  # before the rename, and from it
    after = await stored_rows(app)
    assert [r[1:] for r in after] == [(None, PAST), (PAST, None)]
    assert {r[0] for r in after} == {stamp[0]} != {before[0][0]}  # the older version's gone
    async with app.state.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(UnitTreeStored)) == 2
        found = await history.stored_tree(session, stamp, TODAY)
        assert found is not None and found[1].by_code["C21"].name == "Quầy mới"
        assert shape(found[1]) == shape(await resolve_hierarchy(session, TODAY))
