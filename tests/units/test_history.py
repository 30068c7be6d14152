"""The dated hierarchy: reports roll up as of the round's period (or now, or a day) and say
which; future reorganisations change no report before their date; frozen revisions never
change; events are audited, refused when they contradict, reversible until published."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Unit
from tests.factories import Province, add_response, make_province, province_today, ratings
from tests.reporting.helpers import add_round, audit_actions, staff_client

TODAY = province_today()
PAST = TODAY - timedelta(days=10)  # after the round's first day (TODAY - 30)
FUTURE = TODAY + timedelta(days=400)
# C11 (N=1000): a 5 and a 2 (weights 500, 500); C12 (N=500): a 2 (weight 500); C21 (N=300): a 5.
RESPONSES = [("C11", 5), ("C11", 2), ("C12", 2), ("C21", 5)]
D1 = 100 / 3  # satisfied weight 500 of 1500
D2 = 100.0
P = 100 * 800 / 1800


async def province_with_answers(app: FastAPI, client: httpx.AsyncClient, status: str = "open"):
    province = await make_province(app, status=status)
    for unit, level in RESPONSES:
        await add_response(app, province, unit, ratings({}, default=level))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    return province


def stable(report: dict) -> dict:
    """A report without what says when it was computed."""
    return {k: v for k, v in report.items() if k not in ("freshness",)}


async def report(client: httpx.AsyncClient, unit: str, extra: str = "") -> dict:
    answer = await client.get(f"/api/v1/rounds/R2026/satisfaction?unit={unit}{extra}")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_future_merge_changes_no_report_before_its_date(
    app: FastAPI, client: httpx.AsyncClient
):
    await province_with_answers(app, client)
    before = {u: stable(await report(client, u)) for u in ("P", "D1", "C11")}
    ranking = (await client.get("/api/v1/rounds/R2026/ranking?parent=P&level=counter")).json()
    starts = province_today() - timedelta(days=30)  # make_province: the round starts 30 days ago
    assert before["P"]["hierarchy"] == {"as_of": str(starts), "basis": "round"}
    assert [c["code"] for c in before["D1"]["children"]] == ["C11", "C12"]

    merge = {
        "sources": ["C11", "C12"],
        "into": "C1X",
        "name": "Một cửa liên xã",
        "effective": str(FUTURE),
    }
    assert (await client.post("/api/v1/units/merge", json=merge)).status_code == 200
    move = {"kind": "move", "unit": "C21", "parent": "D1", "effective": str(FUTURE)}
    assert (await client.post("/api/v1/units/events", json=move)).status_code == 200

    for unit, was in before.items():
        assert stable(await report(client, unit)) == was
        assert stable(await report(client, unit, "&as_of=now")) == {
            **was,
            "hierarchy": {"as_of": str(TODAY), "basis": "now"},
        }
    again = (await client.get("/api/v1/rounds/R2026/ranking?parent=P&level=counter")).json()
    assert again == ranking

    # From the merge's date the hierarchy has C1X (C11 and C12 pooled) and C21 under D1.
    then = await report(client, "D1", f"&as_of={FUTURE}")
    assert then["hierarchy"] == {"as_of": str(FUTURE), "basis": "date"}
    assert {c["code"]: c["index"] for c in then["children"]} == {
        "C1X": pytest.approx(D1),
        "C21": pytest.approx(D2),
    }
    assert then["index"] == pytest.approx(P)
    gone = await client.get(f"/api/v1/rounds/R2026/satisfaction?unit=C11&as_of={FUTURE}")
    assert gone.status_code == 404 and "did not exist" in gone.text
    assert (await client.get("/api/v1/rounds/R2026/satisfaction?as_of=soon")).status_code == 400


async def test_figures_as_then_and_as_now_through_merge_split_transfer_and_rename(
    app: FastAPI, client: httpx.AsyncClient
):
    """Departments D1 and D2 merge into D3 (children moved), C21 is renamed and C12 split
    into C12A (60%) and C12B (40%), all after the round began; part of C11 moves to C21."""
    await province_with_answers(app, client)
    posts = [
        (
            "/api/v1/units/merge",
            {
                "sources": ["D1", "D2"],
                "into": "D3",
                "name": "Sở hợp nhất",
                "effective": str(PAST),
                "move_children": True,
            },
        ),
        (
            "/api/v1/units/events",
            {"kind": "rename", "unit": "C21", "name": "Quầy mới", "effective": str(PAST)},
        ),
        (
            "/api/v1/units/split",
            {
                "unit": "C12",
                "into": [
                    {"code": "C12A", "share": 0.6, "name": "Quầy A"},
                    {"code": "C12B", "share": 0.4, "name": "Quầy B"},
                ],
                "effective": str(PAST + timedelta(days=1)),
            },
        ),
        (
            "/api/v1/units/transfer",
            {
                "source": "C11",
                "to": "C21",
                "share": 0.25,
                "effective": str(PAST + timedelta(days=2)),
            },
        ),
    ]
    for url, body in posts:
        answer = await client.post(url, json=body)
        assert answer.status_code == 200, (url, answer.text)

    then = await report(client, "P")
    assert then["hierarchy"]["basis"] == "round"
    assert {c["code"]: c["index"] for c in then["children"]} == {
        "D1": pytest.approx(D1),
        "D2": pytest.approx(D2),
    }
    assert then["index"] == pytest.approx(P)
    assert (await report(client, "D2"))["children"][0]["name"] == "Đơn vị C21"

    now = await report(client, "P", "&as_of=now")
    assert now["hierarchy"]["basis"] == "now"
    assert [(c["code"], c["index"]) for c in now["children"]] == [("D3", pytest.approx(P))]
    assert now["index"] == pytest.approx(P)
    d3 = await report(client, "D3", "&as_of=now")
    children = {c["code"]: c for c in d3["children"]}
    assert set(children) == {"C11", "C21"}  # C12 split: its responses count in D3 itself
    assert children["C21"]["name"] == "Quầy mới"
    assert d3["index"] == pytest.approx(P)

    hierarchy = (
        await client.get(f"/api/v1/units/hierarchy?as_of={PAST - timedelta(days=1)}")
    ).json()
    units = {u["code"]: u for u in hierarchy["units"]}
    assert (units["C11"]["parent"], units["D1"]["status"], units["D3"]["status"]) == (
        "D1",
        "active",
        "later",
    )
    today = {u["code"]: u for u in (await client.get("/api/v1/units/hierarchy")).json()["units"]}
    assert (today["C11"]["parent"], today["D1"]["status"], today["C12"]["status"]) == (
        "D3",
        "inactive",
        "inactive",
    )
    assert (today["C12A"]["parent"], today["C21"]["name"]) == ("D3", "Quầy mới")

    events = (await client.get("/api/v1/units/events")).json()
    assert [e["kind"] for e in events] == ["transfer", "split", "rename", "merge"]
    for action in ("unit.merge", "unit.rename", "unit.split", "unit.transfer"):
        assert await audit_actions(app, action) >= 1


async def test_a_frozen_revision_never_changes_when_the_hierarchy_does(
    app: FastAPI, client: httpx.AsyncClient
):
    await province_with_answers(app, client, status="closed")
    assert (await client.post("/api/v1/rounds/R2026/freeze", json={})).status_code == 200
    frozen = {u: await report(client, u) for u in ("P", "D1", "D2", "C11")}
    ranking = (await client.get("/api/v1/rounds/R2026/ranking?parent=P&level=counter")).json()

    merge = {
        "sources": ["D1", "D2"],
        "into": "D3",
        "name": "Sở hợp nhất",
        "effective": str(TODAY - timedelta(days=29)),
        "move_children": True,
    }
    answer = await client.post("/api/v1/units/merge", json=merge)
    assert answer.status_code == 200, answer.text
    rename = {"kind": "rename", "unit": "C11", "name": "Tên mới", "effective": str(PAST)}
    assert (await client.post("/api/v1/units/events", json=rename)).status_code == 200

    for unit, was in frozen.items():
        assert await report(client, unit) == was
    assert (
        await client.get("/api/v1/rounds/R2026/ranking?parent=P&level=counter")
    ).json() == ranking
    # A published round's period reaches the merge: it can no longer be reverted.
    events = (await client.get("/api/v1/units/events")).json()
    merge_id = next(e["id"] for e in events if e["kind"] == "merge")
    refused = await client.post(f"/api/v1/units/events/{merge_id}/revert")
    assert refused.status_code == 409 and "R2026" in refused.text
    # ... and the live figures as now pool D1 and D2 into D3.
    live = await report(client, "P", "&live=true&as_of=now")
    assert [c["code"] for c in live["children"]] == ["D3"]


async def test_events_refuse_contradictions_and_revert_in_order(
    app: FastAPI, client: httpx.AsyncClient
):
    await province_with_answers(app, client)
    later = {"kind": "move", "unit": "C21", "parent": "D1", "effective": str(FUTURE)}
    first = await client.post("/api/v1/units/events", json=later)
    assert first.status_code == 200
    earlier = {"kind": "rename", "unit": "C21", "name": "X", "effective": str(PAST)}
    contradicts = await client.post("/api/v1/units/events", json=earlier)
    assert contradicts.status_code == 409 and "C21" in contradicts.text

    bad_shares = {
        "unit": "C12",
        "into": [
            {"code": "C12A", "share": 0.5, "name": "A"},
            {"code": "C12B", "share": 0.4, "name": "B"},
        ],
        "effective": str(PAST),
    }
    refused = await client.post("/api/v1/units/split", json=bad_shares)
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "into"
    codes = {u["code"] for u in (await client.get("/api/v1/units/hierarchy")).json()["units"]}
    assert "C12A" not in codes and "C12" in codes  # nothing half-written

    rename = {"kind": "rename", "unit": "C11", "name": "Tên mới", "effective": str(PAST)}
    renamed = await client.post("/api/v1/units/events", json=rename)
    assert (await report(client, "D1", "&as_of=now"))["children"][0]["name"] == "Tên mới"
    reverted = await client.post(f"/api/v1/units/events/{renamed.json()['id']}/revert")
    assert reverted.status_code == 200 and reverted.json()["reverted_at"]
    assert (await report(client, "D1", "&as_of=now"))["children"][0]["name"] == "Đơn vị C11"
    again = await client.post(f"/api/v1/units/events/{renamed.json()['id']}/revert")
    assert again.status_code == 409
    assert await audit_actions(app, "unit.revert") == 1

    viewer = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with viewer:
        await staff_client(app, viewer, "d2@x.vn", [("admin", "D2")])
        out_of_scope = {"kind": "rename", "unit": "C11", "name": "Y", "effective": str(PAST)}
        assert (await viewer.post("/api/v1/units/events", json=out_of_scope)).status_code == 403
        seen = (await viewer.get("/api/v1/units/events")).json()
        assert [e["kind"] for e in seen] == ["move"]  # C21 lies in D2; C11's rename does not


async def test_a_split_by_shares_is_flagged_and_ranks_are_not_compared_across_it(
    app: FastAPI, client: httpx.AsyncClient
):
    """Last year C11 and C12 answered; C12 was then split into C12A (60%) and C12B (40%).
    D1 kept its boundary; C12A's and C12B's previous figures are allocated by shares:
    flagged, and ranks among D1's children are not compared."""
    before = await make_province(app, round_code="R2025", status="closed")
    for unit, level in RESPONSES[:3]:
        await add_response(app, before, unit, ratings({}, default=level))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    split = {
        "unit": "C12",
        "into": [
            {"code": "C12A", "share": 0.6, "name": "Quầy A"},
            {"code": "C12B", "share": 0.4, "name": "Quầy B"},
        ],
        "effective": str(PAST),
    }
    assert (await client.post("/api/v1/units/split", json=split)).status_code == 200
    async with app.state.db.sessions() as session:
        units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    now = await add_round(
        app,
        Province(before.round, units),
        "R2026B",
        TODAY + timedelta(days=1),
        {"C11": 1000, "C12A": 300, "C12B": 200},
        status="open",
    )
    for unit in ("C11", "C12A", "C12B"):
        await add_response(app, now, unit, ratings({}, default=4))
    d1 = (await client.get("/api/v1/rounds/R2026B/satisfaction?unit=D1")).json()
    assert d1["previous"]["boundary"] == "same"
    assert d1["previous"]["index"] == pytest.approx(D1)
    children = {c["code"]: c["previous"] for c in d1["children"]}
    assert {code: p["boundary"] for code, p in children.items()} == {
        "C11": "same",
        "C12A": "shares",
        "C12B": "shares",
    }
    # Allocated by shares: each successor takes its share of C12's responses (one, not
    # satisfied), and a constant share changes no ratio: both have C12's figure, 0 %.
    assert children["C12A"]["index"] == 0.0 and children["C12B"]["index"] == 0.0
    assert children["C12A"]["delta"] == 100.0
    assert children["C11"]["rank_comparable"] is False
    assert "C12A (shares)" in children["C11"]["rank_note"]


async def test_events_dated_ahead_change_todays_rows_when_due(app: FastAPI):
    """The worker's units.apply_due brings the unit rows to the versions valid that day."""
    from app.audit.service import CLI
    from app.units.events import Change, apply_due, change_unit
    from app.worker.tasks import load_tasks

    assert "units.apply_due" in load_tasks()
    await make_province(app)
    async with app.state.db.write_sessions.begin() as session:
        await change_unit(session, CLI, Change("move", "C21", FUTURE, parent="D1"))
        await change_unit(session, CLI, Change("rename", "C11", FUTURE, name="Tên sau"))
    async with app.state.db.write_sessions.begin() as session:
        assert await apply_due(session, TODAY) == 0  # not due yet
        assert await apply_due(session, FUTURE) == 2
        assert await apply_due(session, FUTURE) == 0  # idempotent
    async with app.state.db.sessions() as session:
        rows = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    assert rows["C21"].parent_id == rows["D1"].id and rows["C11"].name == "Tên sau"
    assert await audit_actions(app, "unit.due") == 2


async def test_a_province_merge_keeps_both_provinces_history(
    app: FastAPI, client: httpx.AsyncClient
):
    """Provinces P and Q merge into PQ (children moved) after the round began: the round's
    reports keep P and Q as they were; as now, PQ holds both, and P and Q keep their past."""
    from app.audit.service import CLI
    from app.collection.service import CounterForm, store_response
    from app.rounds.service import set_volume
    from app.units.service import upsert_unit
    from tests.auth_helpers import csrf_of, sign_in
    from tests.factories import make_user

    province = await make_province(app)
    for unit, level in RESPONSES:
        await add_response(app, province, unit, ratings({}, default=level))
    form = app.state.catalogue.get(province.round.form_code)
    async with app.state.db.write_sessions.begin() as session:
        await upsert_unit(session, CLI, "Q", "Tỉnh Q", "province", None)
        await upsert_unit(session, CLI, "DQ", "Sở Q", "department", "Q")
        cq = await upsert_unit(session, CLI, "CQ1", "Quầy Q", "counter", "DQ")
        await set_volume(session, CLI, province.round, cq, 600)
        await store_response(
            session, CounterForm(cq, province.round, form), "q-1", ratings({}, default=5)
        )
    await make_user(app, "root@x.vn", [], superadmin=True)
    await sign_in(client, "root@x.vn")
    client.headers["X-CSRF-Token"] = await csrf_of(client)
    merge = {
        "sources": ["P", "Q"],
        "into": "PQ",
        "name": "Tỉnh hợp nhất",
        "level": "province",
        "effective": str(PAST),
        "move_children": True,
    }
    answer = await client.post("/api/v1/units/merge", json=merge)
    assert answer.status_code == 200, answer.text
    assert sorted(answer.json()["moved_children"]) == ["D1", "D2", "DQ"]

    then_p = await report(client, "P")
    then_q = await report(client, "Q")
    assert [c["code"] for c in then_p["children"]] == ["D1", "D2"]
    assert then_p["index"] == pytest.approx(P)
    assert (then_q["index"], then_q["respondents"]) == (100.0, 1)
    now = await report(client, "PQ", "&as_of=now")
    assert [c["code"] for c in now["children"]] == ["D1", "D2", "DQ"]
    assert now["index"] == pytest.approx(100 * (800 + 600) / (1800 + 600))
    gone = await client.get("/api/v1/rounds/R2026/satisfaction?unit=P&as_of=now")
    assert gone.status_code == 404
    tops = (await client.get(f"/api/v1/units/hierarchy?as_of={PAST}")).json()["units"]
    assert {u["code"] for u in tops if u["parent"] is None and u["status"] == "active"} == {"PQ"}
