"""Previous-round figures allocated by shares, against R's survey package.

Between the rounds C11 is split into S1 (60 %) and S2 (40 %), S2 moves to D2, and a quarter
of C12 is transferred to C21. Each unit's previous figure weights last year's responses by
the share of them it took (docs/reform.md): D1 = 0.6·C11 + 0.75·C12, D2 = 0.4·C11 + C21 +
0.25·C12, C21 = C21 + 0.25·C12, and a successor alone has its predecessor's figure. R computes
each with svydesign over last year's design with the share-multiplied weights and svyratio on
the subset (design.R), point estimates and standard errors to 1e-8.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import anyio
import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Unit
from tests.factories import CRITERIA, Province, make_province, province_today
from tests.reporting.helpers import add_round, staff_client
from tests.statistics.design_data import set_design
from tests.statistics.r_design import Layout, export, reference
from tests.statistics.r_survey import close, require_r
from tests.units.test_reform_r import answer

TODAY = province_today()
EVENTS = TODAY - timedelta(days=5)  # after last year's round began (TODAY - 30)
DEPARTMENT = {"C11": "D1", "C12": "D1", "C21": "D2"}
# Each unit's multipliers of last year's responses (the allocation the report must use).
ALLOCATIONS = {
    "P": {"C11": 1.0, "C12": 1.0, "C21": 1.0},
    "D1": {"C11": 0.6, "C12": 0.75},
    "D2": {"C11": 0.4, "C12": 0.25, "C21": 1.0},
    "S1": {"C11": 0.6},
    "S2": {"C11": 0.4},
    "C12": {"C12": 0.75},
    "C21": {"C12": 0.25, "C21": 1.0},
}


def allocated_copy(source: Path, target: Path, shares: dict[str, float]) -> None:
    """The exported responses with each row's weight times its unit's share (1 outside)."""
    with source.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    unit, weight = header.index("unit"), header.index("weight")
    with target.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        for row in body:
            row[weight] = repr(float(row[weight]) * shares.get(row[unit], 1.0))
            out.writerow(row)


async def reorganise(client: httpx.AsyncClient) -> None:
    split = {
        "unit": "C11",
        "into": [
            {"code": "S1", "share": 0.6, "name": "Bắc"},
            {"code": "S2", "share": 0.4, "name": "Nam"},
        ],
        "effective": str(EVENTS),
    }
    posts = [
        ("/api/v1/units/split", split),
        (
            "/api/v1/units/events",
            {"kind": "move", "unit": "S2", "parent": "D2", "effective": str(EVENTS)},
        ),
        (
            "/api/v1/units/transfer",
            {"source": "C12", "to": "C21", "share": 0.25, "effective": str(EVENTS)},
        ),
    ]
    for url, body in posts:
        found = await client.post(url, json=body)
        assert found.status_code == 200, found.text


async def test_previous_figures_allocated_by_shares_agree_with_r(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
):
    require_r()
    volumes: dict[str, int | None] = {"C11": 1200, "C12": 400, "C21": 300}
    before = await make_province(app, round_code="R2025", volumes=volumes, status="closed")
    plan = [("C11", 16, [2, 3, 4, 5, 5]), ("C12", 14, [1, 2, 4, 5]), ("C21", 12, [1, 2, 2, 4])]
    await answer(app, before, plan)
    await set_design(app, before, "volume", "unit", "day")
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    await reorganise(client)
    async with app.state.db.sessions() as session:
        found = await session.scalars(select(Unit).where(Unit.code.in_(["S1", "S2"])))
        units = {**before.units, **{u.code: u for u in found}}
    now = await add_round(
        app,
        Province(before.round, units),
        "R2026B",
        TODAY + timedelta(days=1),
        {"S1": 700, "S2": 500, "C12": 300, "C21": 400},
        status="open",
    )
    await answer(app, now, [("S1", 8, [3, 4, 5]), ("S2", 6, [2, 4]), ("C12", 6, [4, 5])])
    await answer(app, now, [("C21", 8, [1, 4, 5])])

    codes = {u.id: code for code, u in before.units.items() if code in DEPARTMENT}
    layout = Layout(before.round.id, codes, DEPARTMENT, list(CRITERIA), "unit", "day")
    await export(app, layout, tmp_path / "data.csv", app.state.settings)
    instrument = app.state.catalogue.get("one-stop-counter").instrument

    p = (await client.get("/api/v1/rounds/R2026B/satisfaction?unit=P")).json()
    d1 = (await client.get("/api/v1/rounds/R2026B/satisfaction?unit=D1")).json()
    d2 = (await client.get("/api/v1/rounds/R2026B/satisfaction?unit=D2")).json()
    assert [c["code"] for c in d1["children"]] == ["C12", "S1"]
    assert [c["code"] for c in d2["children"]] == ["C21", "S2"]
    figures = {"P": p, "D1": d1, "D2": d2, **{c["code"]: c for c in d1["children"]}}
    figures |= {c["code"]: c for c in d2["children"]}
    for code, shares in ALLOCATIONS.items():
        work = tmp_path / code
        await anyio.Path(work).mkdir()
        allocated_copy(tmp_path / "data.csv", work / "data.csv", shares)
        domain = {code: list(shares)}
        then = await reference(work / "data.csv", instrument, domain, ("unit", "day", False), work)
        previous = figures[code]["previous"]
        close(previous["index"] / 100, then[(code, "overall", "")][0])
        close(previous["se"] / 100, then[(code, "overall", "")][1])
        if code in ("D1", "D2"):  # the elements of a report are allocated too
            report = figures[code]
            for element in report["elements"]:
                estimate, se = then[(code, "element", element["code"])][:2]
                close(element["previous"]["index"] / 100, estimate)
                close(element["previous"]["se"] / 100, se)
    # Every allocated figure here has an SE, and says it takes the shares as fixed.
    variances = {code: item["previous"]["share_variance"] for code, item in figures.items()}
    assert variances == {code: "shares_fixed" for code in figures if code != "P"} | {"P": None}
    boundaries = {code: item["previous"]["boundary"] for code, item in figures.items()}
    assert boundaries == {
        "P": "same",
        "D1": "shares",
        "D2": "shares",
        "S1": "shares",
        "S2": "shares",
        "C12": "shares",
        "C21": "shares",
    }
    # A successor alone has its predecessor's figure; a receiver pools its own and a share.
    assert abs(figures["S1"]["previous"]["index"] - figures["S2"]["previous"]["index"]) < 1e-9
    trend = (await client.get("/api/v1/rounds/R2026B/trend?unit=C21")).json()
    first = trend["points"][0]
    assert first["round"] == "R2025" and first["boundary"] == "shares"
    assert first["share_variance"] == "shares_fixed"
    close(first["index"] / 100, figures["C21"]["previous"]["index"] / 100)
    close(first["se"] / 100, figures["C21"]["previous"]["se"] / 100)
