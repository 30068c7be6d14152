"""Limits at collection: one counted response per device per counter per window, bursts at a
counter held, the Back button's second submission recognised, a round's policy in force."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.models import AuditEvent, DeviceWindow, Response, Round
from tests.factories import CRITERIA, make_province
from tests.integrity.helpers import (
    aged_sid,
    answers_all,
    device_of,
    flags_by_rule,
    open_form,
    post_form,
    statuses,
)
from tests.sampling.helpers import signed_in

# The defaults, but the opening-hours note off: these tests compare exact flags at any hour.
ANY_HOUR: dict[str, object] = {"off": ["out_of_hours"]}
VARIED = {"field": "land", **{c: str(3 + i % 3) for i, c in enumerate(CRITERIA)}}


async def test_a_device_counts_once_per_window_and_its_second_form_is_held(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app, integrity=ANY_HOUR)  # the defaults
    await open_form(client, "C11")
    device = device_of(client)
    assert len(device) >= 16  # a first-party random cookie, set with the form
    first = await post_form(client, "C11", aged_sid(app, "C11", device, 95), VARIED)
    assert first.status_code == 303 and first.headers["location"] == "/s/C11/thanks"
    other = {**VARIED, CRITERIA[0]: "1"}
    second = await post_form(client, "C11", aged_sid(app, "C11", device, 80), other)
    assert second.status_code == 303
    assert second.headers["location"] == "/s/C11/thanks?held=1"
    thanks = await client.get(second.headers["location"])
    assert "kiểm tra trước khi tính vào kết quả" in thanks.text  # told politely, not refused
    assert await statuses(app) == {"valid": 1, "held": 1}
    assert await flags_by_rule(app) == {"device_repeat": 1}
    # Another counter keeps its own window for the same device.
    elsewhere = await post_form(client, "C12", aged_sid(app, "C12", device, 95), VARIED)
    assert elsewhere.headers["location"] == "/s/C12/thanks"
    async with app.state.db.sessions() as session:
        rows = (await session.execute(select(Response.device_hash, Response.issued_at))).all()
    assert len({h for h, _ in rows}) == 1 and device not in {h for h, _ in rows}  # keyed hash
    assert all(issued is not None for _, issued in rows)


async def test_the_back_button_resubmission_is_the_same_response(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app, integrity=ANY_HOUR)
    await open_form(client, "C11")
    device = device_of(client)
    for seconds in (100, 90):  # Back on the thank-you page: a new id, the same answers
        sent = await post_form(client, "C11", aged_sid(app, "C11", device, seconds), VARIED)
        assert sent.status_code == 303 and sent.headers["location"] == "/s/C11/thanks"
    assert await statuses(app) == {"valid": 1}
    assert await flags_by_rule(app) == {}


async def test_a_form_sent_as_soon_as_it_opened_is_held_too_fast(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app, integrity=ANY_HOUR)
    sid = await open_form(client, "C11")
    sent = await post_form(client, "C11", sid, VARIED)
    assert sent.headers["location"] == "/s/C11/thanks?held=1"
    assert await flags_by_rule(app) == {"too_fast": 1}


async def test_a_burst_of_fresh_devices_holds_the_whole_burst(app: FastAPI):
    province = await make_province(app, integrity=None)
    transport = httpx.ASGITransport(app=app)
    locations = []
    for _ in range(8):  # every form from a new phone (or a script dropping its cookie)
        async with httpx.AsyncClient(transport=transport, base_url="https://t") as phone:
            await open_form(phone, "C21")
            sid = aged_sid(app, "C21", device_of(phone), 120)
            sent = await post_form(phone, "C21", sid, answers_all("1", CRITERIA))
            locations.append(sent.headers["location"])
    # C21: 300 transactions over the round's ~61 days, so the limit is the floor (5 in 10 min).
    assert locations[:5] == ["/s/C21/thanks"] * 5
    assert locations[5:] == ["/s/C21/thanks?held=1"] * 3
    assert await statuses(app, province.units["C21"].id) == {"held": 8}  # the first 5 too
    flags = await flags_by_rule(app)
    assert flags["burst"] == 8 and flags["straight_line"] == 8


async def test_a_round_without_limits_holds_nothing_and_the_change_is_audited(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app, integrity=None)
    csrf = await signed_in(app, client, "admin@p.vn", [("admin", "P")])
    url = "/api/v1/rounds/R2026/integrity/policy"
    assert (await client.get(url)).json()["limits"] is True
    bad = await client.put(url, json={"hold": ["nonsense"]}, headers=csrf)
    assert bad.status_code == 422 and "hold" in bad.text
    assert (await client.put(url, json={"limits": False})).status_code == 403  # no CSRF
    changed = await client.put(url, json={"limits": False}, headers=csrf)
    assert changed.status_code == 200 and changed.json()["limits"] is False
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://t") as phone:
        for _ in range(3):  # a supervised paper day: one operator, identical forms, fast
            sid = await open_form(phone, "C11")
            sent = await post_form(phone, "C11", sid, VARIED)
            assert sent.headers["location"] == "/s/C11/thanks"
    assert await statuses(app) == {"valid": 3}
    async with app.state.db.sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "round.integrity_policy")
        )
    assert event is not None and event.changes["after"]["limits"] is False


async def test_limit_state_expires(app: FastAPI, client: httpx.AsyncClient):
    from datetime import timedelta

    from sqlalchemy import update

    from app.integrity.tasks import erase_expired
    from app.models.base import utcnow

    await make_province(app, integrity=None)
    await open_form(client, "C11")
    await post_form(client, "C11", aged_sid(app, "C11", device_of(client), 90), VARIED)
    assert await erase_expired(app.state.db) == 0
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(DeviceWindow).values(last_at=utcnow() - timedelta(days=2)))
    assert await erase_expired(app.state.db) == 1
    # Once the round is published (review over), responses lose their device pseudonym.
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(Round).values(status="published"))
    assert await erase_expired(app.state.db) == 1
    async with app.state.db.sessions() as session:
        assert list(await session.scalars(select(Response.device_hash))) == [None]


def test_a_response_outside_opening_hours_is_noted_not_held():
    from datetime import UTC, datetime

    from app.collection.answers import ParsedAnswer
    from app.integrity.policy import IntegrityPolicy
    from app.integrity.screening import UNLIMITED, Paradata, answers_fingerprint, screen

    answers = [ParsedAnswer(c, 0, float(3 + i % 3), None) for i, c in enumerate(CRITERIA)]
    paradata = Paradata("qr", None, None, answers_fingerprint(answers))
    policy = IntegrityPolicy(unit_hours={"C11": "08:00-11:00"})
    zone = "Asia/Ho_Chi_Minh"
    evening = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # 20:00 local, a Monday
    morning = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 09:00 local
    sunday = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)  # 09:00 local, closed on Sundays
    codes = frozenset(CRITERIA)
    verdicts = [
        screen(policy, paradata, answers, codes, "C11", UNLIMITED, moment, zone)
        for moment in (evening, morning, sunday)
    ]
    assert [v.flags for v in verdicts] == [("out_of_hours",), (), ("out_of_hours",)]
    assert not any(v.hold for v in verdicts)  # a note: receipts are answered at home too
