"""The dossier feed: stored once per (number, type), refused per event with stable codes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import DossierEvent
from tests.dossiers.helpers import event, feeder_key
from tests.factories import bearer, make_key, make_province, province_today

FEED = "/api/v1/dossiers"


async def stored(app: FastAPI) -> list[tuple[str, str]]:
    async with app.state.db.sessions() as session:
        rows = await session.execute(
            select(DossierEvent.number, DossierEvent.kind).order_by(DossierEvent.id)
        )
        return [tuple(r) for r in rows.all()]


async def test_one_event_twice_is_stored_once(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    key = await feeder_key(app, "D1")
    first = await client.post(FEED, json=event("HS-001"), headers=bearer(key))
    assert first.status_code == 200, first.text
    assert first.json()["stored"] == 1 and first.json()["results"][0]["status"] == "stored"
    again = await client.post(FEED, json=event("HS-001"), headers=bearer(key))
    assert again.json()["results"][0]["status"] == "duplicate" and again.json()["stored"] == 0
    received = await client.post(FEED, json=event("HS-001", "received"), headers=bearer(key))
    assert received.json()["stored"] == 1  # another event type of the same dossier
    assert await stored(app) == [("HS-001", "returned"), ("HS-001", "received")]


async def test_twenty_concurrent_identical_posts_store_one(app: FastAPI, live_server):
    await make_province(app)
    key = await feeder_key(app, "P")
    batch = {"events": [event(f"HS-{i:03d}") for i in range(30)]}
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        answers = await asyncio.gather(
            *(http.post(FEED, json=batch, headers=bearer(key)) for _ in range(20))
        )
    assert [a.status_code for a in answers] == [200] * 20, [a.text[:200] for a in answers]
    assert sum(a.json()["stored"] for a in answers) == 30
    assert sum(a.json()["duplicates"] for a in answers) == 30 * 19
    assert len(await stored(app)) == 30


async def test_a_bad_event_is_named_and_the_others_are_stored(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    key = await feeder_key(app, "D1")
    events = [
        event("A-1"),
        event("A-2", unit="C21"),  # D2: outside the key's subtree
        event("A-3", unit="NOPE"),
        event("A-4", citizen_name="Nguyễn Văn A"),  # personal data is refused
        event("A-5", returned_on=None),
        event("A-6", due_on="2000-01-01"),
        event("A-7", channel="fax"),
        event("A-8", "received", received_on="2999-01-01", due_on=None),
        "not an object",
        event("A-1"),  # the same event again within the batch
        event("A-9", number=None),
        event("A-10", kind="cancelled"),
        event("A-11", procedure_name="nul \x00 inside"),  # PostgreSQL text cannot hold it
    ]
    answer = await client.post(FEED, json={"events": events}, headers=bearer(key))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    outcome = [
        (r["index"], r["status"], (r["error"] or {}).get("code"), (r["error"] or {}).get("field"))
        for r in body["results"]
    ]
    assert outcome == [
        (0, "stored", None, None),
        (1, "rejected", "out_of_scope", "unit"),
        (2, "rejected", "unknown_unit", "unit"),
        (3, "rejected", "unexpected_field", "citizen_name"),
        (4, "rejected", "date_missing", "returned_on"),
        (5, "rejected", "dates_out_of_order", "due_on"),
        (6, "rejected", "invalid_value", "channel"),
        (7, "rejected", "date_in_future", "received_on"),
        (8, "rejected", "not_an_object", None),
        (9, "duplicate", None, None),
        (10, "rejected", "missing_field", "number"),
        (11, "stored", None, None),
        (12, "rejected", "invalid_value", "procedure_name"),
    ]
    assert (body["stored"], body["duplicates"], body["rejected"]) == (2, 1, 10)
    assert await stored(app) == [("A-1", "returned"), ("A-10", "cancelled")]
    assert "C21" not in answer.text.replace('"unit":"C21"', "")  # nothing said about D2's units


async def test_a_batch_judges_each_event_as_if_it_were_posted_alone(
    app: FastAPI, client: httpx.AsyncClient
):
    """The batch is validated in one pass (a second one over the good events when some
    fail): each event's answer is still the one it gets on its own, first problem named."""
    await make_province(app)
    key = await feeder_key(app, "D1")
    evening = province_today() - timedelta(days=12)  # 20:30 UTC is the next local day
    next_day = evening + timedelta(days=1)
    events = [
        event("B-1", channel="fax", returned_on=None),  # two problems: the first is named
        event("B-2", unit="NOPE", due_on="2000-01-01"),  # a bad date before an unknown unit
        event("B-3", number="bad number", citizen_phone="0900000000"),
        event("B-4", received_on="2026-02-30"),
        event("B-5", kind="cancelled", cancelled_on=None),
        event("B-6", received_on=f"{evening}T20:30:00Z", due_on=f"{evening}"),  # due before
        event("B-7", received_on=f"{evening}T20:30:00Z", due_on=f"{next_day}"),  # local: next day
        [1, 2],
        event("B-8", unit="C21"),
    ]
    batch = await client.post(FEED, json={"events": events}, headers=bearer(key))
    assert batch.status_code == 200, batch.text
    alone = []
    for number, one in enumerate(events):
        answer = await client.post(FEED, json=[one], headers=bearer(key))
        alone.append({**answer.json()["results"][0], "index": number})
    statuses = [r["status"] for r in batch.json()["results"]]
    assert statuses == ["rejected"] * 6 + ["stored", "rejected", "rejected"]
    assert batch.json()["results"][5]["error"]["code"] == "dates_out_of_order"
    alone[6]["status"] = "stored"  # posted again alone, B-7 is the batch's duplicate
    assert batch.json()["results"] == alone


async def test_only_feeder_keys_feed_and_feeder_keys_cannot_read(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    reader = await make_key(app, "P")
    feeder = await feeder_key(app, "P")
    assert (await client.post(FEED, json=event("X-1"))).status_code == 401
    assert (await client.post(FEED, json=event("X-1"), headers=bearer(reader))).status_code == 403
    assert (await client.get("/api/v1/units", headers=bearer(feeder))).status_code == 403
    assert (await client.get("/api/v1/units", headers=bearer(reader))).status_code == 200
    assert await stored(app) == []


async def test_malformed_bodies_are_refused_with_stable_codes(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    key = await feeder_key(app, "P")
    headers = {**bearer(key), "content-type": "application/json"}
    cases = [
        (b"{not json", "not_json"),
        (b'{"events": 5}', "not_a_batch"),
        (b'{"events": [' + b",".join([b"{}"] * 5001) + b"]}", "batch_too_large"),
    ]
    for body, code in cases:
        answer = await client.post(FEED, content=body, headers=headers)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == code, answer.text
    datetime_event = event("T-1", returned_on="2026-01-01T23:30:00Z", received_on="2025-12-30")
    datetime_event.pop("due_on")
    answer = await client.post(FEED, json=datetime_event, headers=bearer(key))
    assert answer.json()["stored"] == 1
    async with app.state.db.sessions() as session:
        day = await session.scalar(select(DossierEvent.returned_on))
        assert str(day) == "2026-01-02"  # 23:30 UTC is the next morning in Viet Nam
        assert await session.scalar(select(func.count()).select_from(DossierEvent)) == 1
