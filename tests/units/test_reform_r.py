"""Previous-round figures across a reorganisation, against R's survey package: C11 and C12
merge into C1X, C21 moves (a whole counter: allocation by whole responses) from D2 to D1,
which is dissolved. This year's D1 is compared with C11, C12 and C21 of last year, C1X with
C11 and C12 pooled, C21 with itself; each under last year's own design (volume weights, unit
strata, counter-day PSUs), as R's svyratio on the subset of that design."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Unit
from tests.factories import CRITERIA, Province, make_province, province_today, ratings
from tests.reporting.helpers import add_round, respond, staff_client
from tests.statistics.design_data import set_design
from tests.statistics.r_design import Layout, export, reference
from tests.statistics.r_survey import close, require_r

TODAY = province_today()
EVENTS = TODAY - timedelta(days=5)  # after last year's round began (TODAY - 30)
DEPARTMENT = {"C11": "D1", "C12": "D1", "C1X": "D1", "C21": "D2"}
PREVIOUS_DOMAINS = {
    "P": ["C11", "C12", "C21"],
    "D1": ["C11", "C12", "C21"],
    "C1X": ["C11", "C12"],
    "C21": ["C21"],
}


async def answer(app: FastAPI, province: Province, plan: list[tuple[str, int, list[int]]]) -> None:
    rng = random.Random(province.round.id * 7 + 1)
    start = datetime.combine(province.round.starts_on, datetime.min.time(), UTC)
    for unit, n, levels in plan:
        for _ in range(n):
            values: dict[str, int | str] = {
                c: "na" if rng.random() < 0.1 else rng.choice(levels) for c in CRITERIA
            }
            when = start + timedelta(hours=rng.randint(2, 90))
            await respond(app, province, unit, ratings(values), submitted_at=when)


async def test_previous_figures_across_a_reorganisation_agree_with_r(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
):
    require_r()
    volumes: dict[str, int | None] = {"C11": 1200, "C12": 400, "C21": 300}
    before = await make_province(app, round_code="R2025", volumes=volumes, status="closed")
    plan = [("C11", 16, [2, 3, 4, 5, 5]), ("C12", 10, [1, 2, 4, 5]), ("C21", 12, [1, 2, 2, 4])]
    await answer(app, before, plan)
    await set_design(app, before, "volume", "unit", "day")
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    posts = [
        (
            "/api/v1/units/merge",
            {"sources": ["C11", "C12"], "into": "C1X", "name": "Liên xã", "effective": str(EVENTS)},
        ),
        (
            "/api/v1/units/events",
            {"kind": "move", "unit": "C21", "parent": "D1", "effective": str(EVENTS)},
        ),
        ("/api/v1/units/events", {"kind": "dissolve", "unit": "D2", "effective": str(EVENTS)}),
    ]
    for url, body in posts:
        answer_ = await client.post(url, json=body)
        assert answer_.status_code == 200, answer_.text
    async with app.state.db.sessions() as session:
        c1x = await session.scalar(select(Unit).where(Unit.code == "C1X"))
    assert c1x is not None
    units = {**before.units, "C1X": c1x}
    now = await add_round(
        app,
        Province(before.round, units),
        "R2026B",
        TODAY + timedelta(days=1),
        {"C1X": 1600, "C21": 300},
        status="open",
    )
    await answer(app, now, [("C1X", 20, [3, 4, 5]), ("C21", 12, [2, 4, 5])])

    codes = {u.id: code for code, u in units.items()}
    layout = Layout(before.round.id, codes, DEPARTMENT, list(CRITERIA), "unit", "day")
    await export(app, layout, tmp_path / "data.csv", app.state.settings)
    instrument = app.state.catalogue.get("one-stop-counter").instrument
    work = tmp_path / "r"
    await anyio.Path(work).mkdir()
    then = await reference(
        tmp_path / "data.csv", instrument, PREVIOUS_DOMAINS, ("unit", "day", False), work
    )

    p = (await client.get("/api/v1/rounds/R2026B/satisfaction?unit=P")).json()
    assert p["previous_round"] == "R2025" and p["hierarchy"]["basis"] == "round"
    assert [c["code"] for c in p["children"]] == ["D1"]  # D2 dissolved before this round
    d1 = (await client.get("/api/v1/rounds/R2026B/satisfaction?unit=D1")).json()
    assert [c["code"] for c in d1["children"]] == ["C1X", "C21"]
    figures = {"P": p, "D1": d1, **{c["code"]: c for c in d1["children"]}}
    for code, item in figures.items():
        estimate, se = then[(code, "overall", "")][:2]
        close(item["previous"]["index"] / 100, estimate)
        close(item["previous"]["se"] / 100, se)
    for element in d1["elements"]:
        estimate, se = then[("D1", "element", element["code"])][:2]
        close(element["previous"]["index"] / 100, estimate)
        close(element["previous"]["se"] / 100, se)
    # What changed between the rounds, and whether ranks compare.
    boundaries = {code: item["previous"]["boundary"] for code, item in figures.items()}
    assert boundaries == {"P": "same", "D1": "changed", "C1X": "pooled", "C21": "same"}
    c1x = d1["children"][0]["previous"]
    assert c1x["rank_comparable"] is False and "C1X (pooled)" in c1x["rank_note"]
    # The trend follows C1X and D1 back through the events, marked where the boundary moved.
    for code, boundary in (("C1X", "pooled"), ("D1", "changed"), ("C21", "same")):
        trend = (await client.get(f"/api/v1/rounds/R2026B/trend?unit={code}")).json()
        assert [t["round"] for t in trend["points"]] == ["R2025", "R2026B"]
        first, last = trend["points"]
        assert (first["boundary"], first["boundary_changed"]) == (boundary, boundary != "same")
        assert last["boundary"] == "same" and last["index"] == figures[code]["index"]
        close(first["index"] / 100, then[(code, "overall", "")][0])
        close(first["se"] / 100, then[(code, "overall", "")][1])
    # ... and so does the console's trend table.
    marked = "Ranh giới đơn vị khác với hiện nay"
    for code, expected in (("D1", True), ("C21", False)):
        page = await client.get(
            f"/console/rounds/R2026B/statistics?unit={code}", headers={"accept": "text/html"}
        )
        assert page.status_code == 200 and (marked in page.text) is expected, code
    # Last year, as then: two departments, D1 (C11, C12) and D2 (C21).
    old = (await client.get("/api/v1/rounds/R2025/satisfaction?unit=P")).json()
    assert [c["code"] for c in old["children"]] == ["D1", "D2"]
    close(old["children"][1]["index"] / 100, then[("C21", "overall", "")][0])
