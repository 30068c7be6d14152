"""Merging units: the API (admin, CSRF, scope, audit) and comparable history afterwards."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Unit
from tests.factories import bearer, make_key, make_province, province_today, ratings
from tests.reporting.helpers import add_round, audit_actions, respond, staff_client

TODAY = province_today()
MERGE = {
    "sources": ["C11", "C12"],
    "into": "C1X",
    "name": "Một cửa liên xã",
    "effective": str(TODAY),
}


async def stored(app: FastAPI, code: str) -> Unit:
    async with app.state.db.sessions() as session:
        unit = await session.scalar(select(Unit).where(Unit.code == code))
    assert unit is not None
    return unit


async def test_merge_creates_the_successor_and_links_the_merged_units(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    await staff_client(app, client, "d1-admin@x.vn", [("admin", "D1")])
    answer = await client.post("/api/v1/units/merge", json=MERGE)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "successor": "C1X",
        "created": True,
        "merged": ["C11", "C12"],
        "moved_children": [],
    }
    successor = await stored(app, "C1X")
    assert (successor.level, successor.parent_id) == ("counter", (await stored(app, "D1")).id)
    for code in ("C11", "C12"):
        unit = await stored(app, code)
        assert (unit.inactive_from, unit.successor_id) == (TODAY, successor.id)
    assert await audit_actions(app, "unit.merge") == 3
    assert await audit_actions(app, "unit.create") >= 1

    again = await client.post("/api/v1/units/merge", json={**MERGE, "into": "C21"})
    assert again.status_code == 409  # C11 was merged already


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({**MERGE, "sources": ["C11", "C21"]}, 403),  # C21 lies outside D1
        ({**MERGE, "into": "C21"}, 403),  # the successor lies outside D1
        ({**MERGE, "name": None}, 400),  # a new successor needs a name
        ({**MERGE, "into": "C11"}, 400),  # into itself
        ({**MERGE, "sources": ["NOPE"]}, 404),
        ({**MERGE, "sources": ["D1"], "parent": "C11"}, 400),  # inside what it replaces
    ],
)
async def test_merge_refusals(app: FastAPI, client: httpx.AsyncClient, body: dict, status: int):
    await make_province(app)
    await staff_client(app, client, "d1-admin@x.vn", [("admin", "D1")])
    answer = await client.post("/api/v1/units/merge", json=body)
    assert answer.status_code == status, answer.text
    assert await audit_actions(app, "unit.merge") == 0
    assert (await stored(app, "C11")).successor_id is None


async def test_merge_needs_the_csrf_token(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    del client.headers["X-CSRF-Token"]
    assert (await client.post("/api/v1/units/merge", json=MERGE)).status_code == 403


async def test_a_merged_unit_is_compared_with_its_predecessors_pooled(
    app: FastAPI, client: httpx.AsyncClient
):
    """R2025 (before the merge) has C11 (N=1000; one 5, one 2), C12 (N=500; one 2) and C21.
    R2026 covers C1X (the merge of C11 and C12) and C21. C1X's previous figure is C11 and C12
    pooled in R2025: weights 500, 500 and 500, one satisfied: 1/3."""
    province = await make_province(
        app, round_code="R2025", volumes={"C11": 1000, "C12": 500, "C21": 300}, status="closed"
    )
    for unit, level in [("C11", 5), ("C11", 2), ("C12", 2), ("C21", 5)]:
        await respond(app, province, unit, ratings({}, default=level))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    assert (await client.post("/api/v1/units/merge", json=MERGE)).status_code == 200

    units = {**province.units, "C1X": await stored(app, "C1X")}
    now = await add_round(
        app,
        province.__class__(province.round, units),
        "R2026B",
        TODAY + timedelta(days=1),
        {"C1X": 900, "C21": 300},
        status="open",
    )
    await respond(app, now, "C1X", ratings({}, default=4))
    await respond(app, now, "C21", ratings({}, default=1))
    client.headers.update(bearer(await make_key(app, "P")))

    report = (await client.get("/api/v1/rounds/R2026B/satisfaction?unit=D1")).json()
    assert report["previous_round"] == "R2025"
    assert [c["code"] for c in report["children"]] == ["C1X"]
    c1x = report["children"][0]
    assert c1x["index"] == 100.0
    assert c1x["previous"]["index"] == pytest.approx(100 / 3)
    assert c1x["previous"]["delta"] == pytest.approx(200 / 3)
    assert report["previous"]["index"] == pytest.approx(100 / 3)

    ranking = (await client.get("/api/v1/rounds/R2026B/ranking?parent=P&level=counter")).json()
    rows = {r["code"]: r for r in ranking["rows"]}
    assert set(rows) == {"C1X", "C21"}
    assert rows["C1X"]["previous"]["index"] == pytest.approx(100 / 3)
    # Last year's ranking had C11 (50 %), C12 (0 %) and C21 (100 %): C21 was 1 of 3; C1X
    # was no unit of it (its previous figure pools two of them), so it has no rank then.
    then = {code: (r["previous"]["rank"], r["previous"]["rank_of"]) for code, r in rows.items()}
    assert then == {"C1X": (None, 3), "C21": (1, 3)}
    assert (rows["C1X"]["rank"], rows["C21"]["rank"]) == (1, 2)

    history = (await client.get("/api/v1/rounds/R2025/satisfaction?unit=C11")).json()
    assert history["index"] == pytest.approx(50.0)  # the merged unit's own past is kept
