"""Indicators and volumes from a fed sample equal a hand computation; weights follow the feed."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.dossiers.tally import fold_events
from app.dossiers.tasks import sync_volumes
from app.models import FrameCell, RoundUnit, Unit
from tests.auth_helpers import csrf_of, sign_in
from tests.dossiers.helpers import feeder_key
from tests.factories import (
    add_response,
    bearer,
    make_key,
    make_province,
    make_user,
    province_today,
    ratings,
)

DAY = province_today() - timedelta(days=20)  # inside the round (today ± 30 days), in the past


def fed(
    number: str,
    unit: str,
    channel: str,
    field: str,
    due: int | None,
    back: int,
    procedure: str = "1.001",
) -> dict[str, Any]:
    """A returned dossier received on DAY, due ``due`` days later, returned ``back`` days later."""
    body: dict[str, Any] = {
        "number": number,
        "type": "returned",
        "unit": unit,
        "procedure_code": procedure,
        "field": field,
        "channel": channel,
        "received_on": DAY.isoformat(),
        "returned_on": (DAY + timedelta(days=back)).isoformat(),
    }
    if due is not None:
        body["due_on"] = (DAY + timedelta(days=due)).isoformat()
    return body


SAMPLE = [
    fed("C11-1", "C11", "online", "civil", 5, 3),  # early
    fed("C11-2", "C11", "in_person", "land", 5, 5, "2.002"),  # on time
    fed("C11-3", "C11", "postal", "land", 5, 9, "2.002"),  # late
    fed("C11-4", "C11", "online", "civil", None, 2),  # no due day
    fed("C11-5", "C11", "online", "civil", 5, 1),  # cancelled below: not counted
    fed("C12-1", "C12", "online", "land", 3, 4),  # late
    fed("C12-2", "C12", "in_person", "land", 3, 3),  # on time
    fed("C21-1", "C21", "in_person", "civil", 10, 2),  # early
]
OTHERS = [
    {
        **fed("C11-5", "C11", "online", "civil", 5, 1),
        "type": "cancelled",
        "cancelled_on": DAY.isoformat(),
    },
    {**fed("C11-1", "C11", "online", "civil", 5, 3), "type": "received"},
    {**fed("C11-2", "C11", "in_person", "land", 5, 5), "type": "received"},
]
OUTSIDE = {  # returned before the round's period: not counted
    **fed("OLD-1", "C11", "online", "civil", 5, 1),
    "received_on": (DAY - timedelta(days=60)).isoformat(),
    "due_on": (DAY - timedelta(days=58)).isoformat(),
    "returned_on": (DAY - timedelta(days=50)).isoformat(),
}


def hand(events: list[dict[str, Any]], units: set[str]) -> dict[str, int]:
    """The definitions of docs/dossiers.md applied one dossier at a time."""
    cancelled = {e["number"] for e in OTHERS if e["type"] == "cancelled"}
    counts = dict(transactions=0, with_due=0, early=0, on_time=0, late=0, online=0)
    for e in events:
        if e["unit"] not in units or e["number"] in cancelled:
            continue
        counts["transactions"] += 1
        counts["online"] += e["channel"] == "online"
        if "due_on" in e:
            counts["with_due"] += 1
            back, due = e["returned_on"], e["due_on"]
            counts["early" if back < due else "on_time" if back == due else "late"] += 1
    return counts


async def feed_sample(app: FastAPI, client: httpx.AsyncClient, fold: bool = True) -> None:
    """The sample through the feed API; then, unless ``fold`` is False, the worker's count."""
    key = await feeder_key(app, "P")
    answer = await client.post(
        "/api/v1/dossiers", json={"events": SAMPLE + OTHERS + [OUTSIDE]}, headers=bearer(key)
    )
    assert answer.json()["stored"] == len(SAMPLE) + len(OTHERS) + 1, answer.text
    if fold:
        await fold_events(app.state.db)


async def test_indicators_equal_a_hand_computation(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await feed_sample(app, client, fold=False)
    client.headers.update(bearer(await make_key(app, "P")))
    waiting = (await client.get("/api/v1/dossiers/indicators?round=R2026")).json()
    assert waiting["rows"] == [] and waiting["as_of"] is None  # not yet counted, and it says so
    assert waiting["pending"] == len(SAMPLE) + len(OTHERS) + 1
    assert await fold_events(app.state.db) == len(SAMPLE) + len(OTHERS) + 1
    report = (await client.get("/api/v1/dossiers/indicators?round=R2026")).json()
    assert report["pending"] == 0 and report["as_of"]
    rows = {r["unit"]: r for r in report["rows"]}
    assert set(rows) == {"C11", "C12", "C21"}
    for unit in rows:
        expected = hand(SAMPLE, {unit})
        assert {k: rows[unit][k] for k in expected} == expected, unit
    c11 = rows["C11"]  # written out: 4 dossiers, 3 with a due day (1 early, 1 on time, 1 late)
    assert (c11["transactions"], c11["with_due"], c11["received"]) == (4, 3, 2)
    assert c11["timely_share"] == pytest.approx(200 / 3) and c11["online_share"] == 50.0
    assert c11["late_share"] == pytest.approx(100 / 3)
    total = report["total"]
    assert {k: total[k] for k in hand(SAMPLE, {"C11", "C12", "C21"})} == hand(
        SAMPLE, {"C11", "C12", "C21"}
    )
    assert total["timely_share"] == pytest.approx(100 * 4 / 6)

    d1 = (await client.get("/api/v1/dossiers/indicators?round=R2026&unit=D1&by=field")).json()
    by_field = {(r["unit"], r["group"]): r["transactions"] for r in d1["rows"]}
    assert by_field == {("C11", "civil"): 2, ("C11", "land"): 2, ("C12", "land"): 2}
    by_procedure = (
        await client.get("/api/v1/dossiers/indicators?round=R2026&unit=C11&by=procedure")
    ).json()
    assert {r["group"]: r["late"] for r in by_procedure["rows"]} == {"1.001": 0, "2.002": 1}

    exported = await client.get("/api/v1/dossiers/indicators.csv?round=R2026")
    assert exported.headers["content-type"].startswith("text/csv")
    lines = [line for line in exported.text.splitlines() if not line.startswith("#")]
    table = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert [(r["unit"], int(r["transactions"])) for r in table] == [
        ("C11", 4),
        ("C12", 2),
        ("C21", 1),
        ("", 7),
    ]


async def test_indicators_stay_in_scope_and_refuse_bad_periods(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    await feed_sample(app, client)
    client.headers.update(bearer(await make_key(app, "D2")))
    mine = (await client.get("/api/v1/dossiers/indicators?round=R2026")).json()
    assert [r["unit"] for r in mine["rows"]] == ["C21"] and mine["total"]["transactions"] == 1
    outside = await client.get("/api/v1/dossiers/indicators?round=R2026&unit=D1")
    assert outside.status_code == 403
    missing = await client.get("/api/v1/dossiers/indicators")
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "period_missing"
    reversed_ = await client.get("/api/v1/dossiers/indicators?from=2026-02-01&to=2026-01-01")
    assert reversed_.json()["error"]["code"] == "period_reversed"


async def volumes(app: FastAPI) -> tuple[dict[str, int | None], dict[tuple[str, str], int]]:
    async with app.state.db.sessions() as session:
        units = {u: c for u, c in (await session.execute(select(Unit.id, Unit.code))).all()}
        rows = await session.execute(select(RoundUnit.unit_id, RoundUnit.volume))
        cells = await session.execute(
            select(FrameCell.unit_id, FrameCell.field, FrameCell.transactions)
        )
        return (
            {units[u]: v for u, v in rows.all()},
            {(units[u], f): n for u, f, n in cells.all()},
        )


async def test_volumes_and_weights_follow_the_feed_unless_fixed(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app, volumes={"C11": 1000, "C12": 1000, "C21": 300})
    await add_response(app, province, "C11", ratings({}, default=5))
    await add_response(app, province, "C12", ratings({}, default=1))
    reader = bearer(await make_key(app, "P"))
    before = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=D1", headers=reader)).json()
    assert before["index"] == pytest.approx(50.0)  # N = 1000 and 1000

    await feed_sample(app, client)
    await make_user(app, "admin@x.vn", [("admin", "P")])
    await sign_in(client, "admin@x.vn")
    csrf = {"x-csrf-token": await csrf_of(client)}
    fixed = await client.put(
        "/api/v1/rounds/R2026/volume-source", json={"fixed": True}, headers=csrf
    )
    assert fixed.json() == {"round": "R2026", "fixed": True}
    assert await sync_volumes(app.state.db) == 0
    assert (await volumes(app))[0] == {"C11": 1000, "C12": 1000, "C21": 300}

    released = await client.put(
        "/api/v1/rounds/R2026/volume-source", json={"fixed": False}, headers=csrf
    )
    assert released.json()["fixed"] is False
    assert await sync_volumes(app.state.db) == 3
    assert await sync_volumes(app.state.db) == 0  # nothing left to change
    n, cells = await volumes(app)
    assert n == {u: hand(SAMPLE, {u})["transactions"] for u in ("C11", "C12", "C21")}
    assert cells == {
        ("C11", "civil"): 2,
        ("C11", "land"): 2,
        ("C12", "land"): 2,
        ("C21", "civil"): 1,
    }
    after = (
        await client.get("/api/v1/rounds/R2026/satisfaction?unit=D1&fresh=true", headers=reader)
    ).json()
    assert after["index"] == pytest.approx(100 * 4 / 6)  # N = 4 (all satisfied) and 2 (none)


async def test_console_statistics_show_the_feed_beside_satisfaction(
    app: FastAPI, client: httpx.AsyncClient
):
    from tests.console.helpers import HTML, staff_client

    await make_province(app)
    empty_page = None
    async with staff_client(app, "v@x.vn", [("viewer", "D1")]) as (staff, _):
        empty_page = (
            await staff.get("/console/rounds/R2026/statistics?unit=D1", headers=HTML)
        ).text
        await feed_sample(app, client)
        page = (await staff.get("/console/rounds/R2026/statistics?unit=D1", headers=HTML)).text
    assert 'id="dossiers"' in empty_page and "Chưa có hồ sơ" in empty_page
    table = page.split('id="dossiers"', 1)[1].split("</section>", 1)[0]
    rows = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]
    ]
    # C11: 4 returned, 3 with a due day: 1 early, 1 on time, 1 late; 2 of 4 online.
    # Decision 766 points (adapted): 20 × 2/3, 22 × 1/2; no rated dossier, no satisfaction.
    c11 = ["Đơn vị C11 C11", "4", "33,3", "33,3", "33,3", "50,0", "—", "13,3", "11,0", "—"]
    c12 = ["Đơn vị C12 C12", "2", "0,0", "50,0", "50,0", "50,0", "—", "10,0", "11,0", "—"]
    assert rows[0] == c11 and rows[1] == c12
    assert rows[2][:2] == ["Tổng", "6"] and "C21" not in table  # D2 is outside the scope


def _oracle(events: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per unit, the definitions applied to every event stored, one dossier at a time."""
    cancelled = {e["number"] for e in events if e["type"] == "cancelled"}
    per_unit: dict[str, dict[str, int]] = {}
    for e in events:
        if e["type"] != "returned" or e["number"] in cancelled:
            continue
        counts = per_unit.setdefault(e["unit"], dict.fromkeys(["transactions", "late"], 0))
        counts["transactions"] += 1
        counts["late"] += "due_on" in e and e["returned_on"] > e["due_on"]
    return per_unit


async def test_the_count_holds_whatever_order_events_arrive_and_are_counted_in(
    app: FastAPI, client: httpx.AsyncClient
):
    """Cancellations before or after the returned event, in the same batch or a later one,
    counted between batches or not: the tally equals the definitions, and counting again
    changes nothing."""
    import random

    await make_province(app)
    feeder = bearer(await feeder_key(app, "P"))
    reader = bearer(await make_key(app, "P"))
    rng = random.Random(20261207)
    events: list[dict[str, Any]] = []
    cancels = []
    for i in range(120):
        unit = rng.choice(["C11", "C12", "C21"])
        body = fed(
            f"X-{i}", unit, rng.choice(["online", "in_person"]), "civil", 5, rng.randint(1, 9)
        )
        events.append(body)
        if rng.random() < 0.3:
            cancels.append({**body, "type": "cancelled", "cancelled_on": DAY.isoformat()})
    for cancel in cancels:  # anywhere: before or after its returned event, near or far
        events.insert(rng.randint(0, len(events)), cancel)
    position = {(e["number"], e["type"]): i for i, e in enumerate(events)}
    after = sum(
        position[(c["number"], "cancelled")] > position[(c["number"], "returned")] for c in cancels
    )
    assert 5 < after < len(cancels) - 5  # both orders occur
    stored: list[dict[str, Any]] = []
    for start in range(0, len(events), 37):
        batch = events[start : start + 37]
        posted = await client.post("/api/v1/dossiers", json={"events": batch}, headers=feeder)
        assert posted.json()["stored"] == len(batch), posted.text
        stored.extend(batch)
        if rng.random() < 0.7:  # sometimes two batches arrive before the worker counts
            await fold_events(app.state.db)
    await fold_events(app.state.db)
    url = "/api/v1/dossiers/indicators?round=R2026"
    report = (await client.get(url, headers=reader)).json()
    got = {
        r["unit"]: {"transactions": r["transactions"], "late": r["late"]} for r in report["rows"]
    }
    assert got == _oracle(stored)
    assert await fold_events(app.state.db) == 0
    assert (await client.get(url, headers=reader)).json()["rows"] == report["rows"]
