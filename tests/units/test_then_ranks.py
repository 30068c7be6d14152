"""Previous ranks "of N" over the units that existed in the previous round, and the ranking
endpoint's ``as_of``.

Last year D1 had counters C11 (all satisfied) and C12 (half), D2 had C21 (none): ranked
C11 1, C12 2, C21 3 of 3. C11 was then split into S1 and S2 (60/40). This year four counters
are ranked; C12's previous rank is still 2 of 3 (not 3 of 4 among today's counters'
previous figures, where S1 and S2 both carry C11's 100 %), and the successors, which were no
unit of last year's ranking, have none.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Unit
from tests.factories import Province, add_response, make_province, province_today, ratings
from tests.reporting.helpers import add_round, staff_client

TODAY = province_today()
PAST = TODAY - timedelta(days=10)  # after last year's round's first day (TODAY - 30)
LAST_YEAR = [("C11", 5), ("C11", 5), ("C12", 5), ("C12", 1), ("C21", 2)]
THIS_YEAR = [("S1", 5), ("S2", 2), ("C12", 5), ("C21", 4), ("C21", 1)]


async def reorganised(app: FastAPI, client: httpx.AsyncClient) -> None:
    before = await make_province(app, round_code="R2025", status="closed")
    for unit, level in LAST_YEAR:
        await add_response(app, before, unit, ratings({}, default=level))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    split = {
        "unit": "C11",
        "into": [
            {"code": "S1", "share": 0.6, "name": "Quầy Bắc"},
            {"code": "S2", "share": 0.4, "name": "Quầy Nam"},
        ],
        "effective": str(PAST),
    }
    assert (await client.post("/api/v1/units/split", json=split)).status_code == 200
    async with app.state.db.sessions() as session:
        units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    volumes: dict[str, int | None] = {"S1": 600, "S2": 400, "C12": 500, "C21": 300}
    now = await add_round(
        app, Province(before.round, units), "R2026B", TODAY + timedelta(days=1), volumes, "open"
    )
    for unit, level in THIS_YEAR:
        await add_response(app, now, unit, ratings({}, default=level))


async def test_previous_ranks_count_the_units_of_the_previous_round(
    app: FastAPI, client: httpx.AsyncClient
):
    await reorganised(app, client)
    found = await client.get("/api/v1/rounds/R2026B/ranking?level=counter")
    assert found.status_code == 200, found.text
    ranking = found.json()
    assert ranking["hierarchy"]["basis"] == "round"
    rows = {r["code"]: r for r in ranking["rows"]}
    assert sorted(rows) == ["C12", "C21", "S1", "S2"] and rows["C12"]["rank_of"] == 4
    then = {code: (r["previous"]["rank"], r["previous"]["rank_of"]) for code, r in rows.items()}
    assert then == {"C12": (2, 3), "C21": (3, 3), "S1": (None, 3), "S2": (None, 3)}
    assert rows["C12"]["previous"]["index"] == 50.0 and rows["S1"]["previous"]["index"] == 100.0
    # The rankings do not compare: no "tăng/giảm … bậc", and the reason is given.
    c12 = rows["C12"]["previous"]
    assert c12["rank_comparable"] is False and c12["rank_change"] is None
    assert "ranked 3 units, this one 4" in c12["rank_note"]
    assert "S1 (shares)" in c12["rank_note"]

    # A report's children: the previous ranking is the parent's children then (C11, C12).
    d1 = (await client.get("/api/v1/rounds/R2026B/satisfaction?unit=D1")).json()
    children = {c["code"]: c["previous"] for c in d1["children"]}
    assert (children["C12"]["rank"], children["C12"]["rank_of"]) == (2, 2)
    assert children["S2"]["rank"] is None and children["S2"]["rank_of"] == 2
    p = (await client.get("/api/v1/rounds/R2026B/satisfaction?unit=P")).json()
    departments = {c["code"]: c["previous"] for c in p["children"]}
    # D1 kept its boundary (the split stayed inside it) and so did D2: comparable ranks.
    assert departments["D1"]["rank_comparable"] is True
    assert (departments["D1"]["rank"], departments["D1"]["rank_of"]) == (1, 2)
    d1_now = next(c for c in p["children"] if c["code"] == "D1")
    assert departments["D1"]["rank_change"] == 1 - d1_now["rank"]


async def test_the_ranking_rolls_up_as_of_a_day_and_says_so(
    app: FastAPI, client: httpx.AsyncClient
):
    await reorganised(app, client)
    now = (await client.get("/api/v1/rounds/R2026B/ranking?level=counter&as_of=now")).json()
    assert now["hierarchy"]["basis"] == "now"
    assert sorted(r["code"] for r in now["rows"]) == ["C12", "C21", "S1", "S2"]
    day = PAST - timedelta(days=1)
    before = await client.get(f"/api/v1/rounds/R2026B/ranking?level=counter&as_of={day}")
    assert before.status_code == 200, before.text
    answer = before.json()
    assert answer["hierarchy"] == {"as_of": str(day), "basis": "date"}
    # That day S1 and S2 did not exist (their responses roll up to D1): C11 has none.
    assert sorted(r["code"] for r in answer["rows"]) == ["C12", "C21"]
    bad = await client.get("/api/v1/rounds/R2026B/ranking?level=counter&as_of=yesterday")
    assert bad.status_code in (400, 422)
