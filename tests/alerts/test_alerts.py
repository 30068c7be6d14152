"""E-mail alerts to heads of units through a real SMTP server on 127.0.0.1 (aiosmtpd): one
e-mail a day to each head whose units have overdue comments, none to a head who turned them
off or whose units have none; the development outbox writes .eml files."""

from __future__ import annotations

import email
import email.header
import socket
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from email.message import Message
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy import select, update

from app.alerts.digest import send_digests
from app.alerts.service import send_alerts
from app.audit.service import CLI
from app.config import Settings
from app.models import Comment, Response
from app.reporting.targets import set_targets
from app.webhooks.targets import watch_targets
from tests.auth_helpers import csrf_of, sign_in
from tests.comment_factories import comment_of, respond, sync
from tests.factories import add_response, make_province, make_user, province_today, ratings


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp_settings(settings: Settings, smtp: tuple[Inbox, int]) -> Settings:
    return settings.model_copy(
        update={"smtp_url": f"smtp://127.0.0.1:{smtp[1]}", "smtp_from": "sipas@tinh.gov.vn"}
    )


def body_of(message: Message) -> str:
    return message.get_payload(decode=True).decode()  # type: ignore[union-attr]


def subject_of(message: Message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


async def overdue(app: FastAPI, province: object, unit: str, count: int) -> None:
    for i in range(count):
        comment = await comment_of(
            app, await respond(app, province, unit, f"Góp ý số {i} tại {unit}")
        )  # type: ignore[arg-type]
        async with app.state.db.write_sessions.begin() as session:
            await session.execute(
                update(Comment)
                .where(Comment.id == comment)
                .values(due_on=province_today() - timedelta(days=3))
            )


async def test_heads_get_one_alert_a_day_and_can_turn_it_off(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, smtp: tuple[Inbox, int]
):
    inbox, port = smtp
    settings = settings.model_copy(
        update={"smtp_url": f"smtp://127.0.0.1:{port}", "smtp_from": "sipas@tinh.gov.vn"}
    )
    province = await make_province(app)
    await overdue(app, province, "C11", 2)
    await overdue(app, province, "C12", 1)
    await make_user(app, "d1@x.vn", [("manager", "D1")])
    await make_user(app, "c11@x.vn", [("admin", "C11")])
    await make_user(app, "d2@x.vn", [("admin", "D2")])  # nothing overdue there
    await make_user(app, "viewer@x.vn", [("viewer", "P")])  # not a head
    await make_user(app, "off@x.vn", [("manager", "P")])
    await sign_in(client, "off@x.vn")
    off = await client.put(
        "/api/v1/account/alerts",
        json={"enabled": False},
        headers={"x-csrf-token": await csrf_of(client)},
    )
    assert off.json()["enabled"] is False
    assert (await client.get("/api/v1/account/alerts")).json()["enabled"] is False

    today = province_today()
    assert await send_alerts(app.state.db, settings, today) == 2
    assert await send_alerts(app.state.db, settings, today) == 0  # once a day
    got = {m["To"]: m for m in inbox.messages}
    assert sorted(got) == ["c11@x.vn", "d1@x.vn"]
    d1 = got["d1@x.vn"].get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "(C11): 2" in d1 and "(C12): 1" in d1 and "Góp ý số" not in d1  # counts, no text
    subject = str(email.header.make_header(email.header.decode_header(got["d1@x.vn"]["Subject"])))
    assert subject == "[SIPAS] 3 góp ý quá hạn xử lý"
    c11 = got["c11@x.vn"].get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "(C11): 2" in c11 and "C12" not in c11
    assert await send_alerts(app.state.db, settings, today + timedelta(days=1)) == 2  # next day


async def test_without_smtp_alerts_go_to_the_outbox(
    app: FastAPI, settings: Settings, tmp_path: Path
):
    settings = settings.model_copy(update={"smtp_url": "", "message_outbox_dir": tmp_path})
    province = await make_province(app)
    await overdue(app, province, "C21", 1)
    await make_user(app, "d2@x.vn", [("admin", "D2")])
    assert await send_alerts(app.state.db, settings, province_today()) == 1
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1 and "d2@x.vn" in files[0].read_text()


async def test_heads_are_told_once_when_a_unit_falls_below_its_target(
    app: FastAPI, client: httpx.AsyncClient, smtp_settings: Settings, smtp: tuple[Inbox, int]
):
    inbox, _ = smtp
    province = await make_province(app)
    for i in range(12):
        await add_response(app, province, "C11", ratings({}, default=5 if i < 3 else 1))
        await add_response(app, province, "C21", ratings({}, default=5))
    async with app.state.db.write_sessions.begin() as session:
        targets = [("D1", 90.0), ("D2", 50.0)]
        await set_targets(session, CLI, app.state.catalogue, province.round, targets)
    await make_user(app, "p@x.vn", [("admin", "P")])
    await make_user(app, "d1@x.vn", [("manager", "D1")])
    await make_user(app, "d2@x.vn", [("manager", "D2")])  # D2 meets its target
    await make_user(app, "kind-off@x.vn", [("manager", "D1")])
    await sign_in(client, "kind-off@x.vn")
    csrf = {"x-csrf-token": await csrf_of(client)}
    put = await client.put("/api/v1/account/alerts", json={"below_target": False}, headers=csrf)
    assert put.json() == {"enabled": True, "overdue": True, "below_target": False, "digest": True}
    bad = await client.put("/api/v1/account/alerts", json={"nope": True}, headers=csrf)
    assert bad.status_code == 422
    no_csrf = await client.put("/api/v1/account/alerts", json={"digest": False})
    assert no_csrf.status_code == 403

    db, today = app.state.db, province_today()
    assert await send_alerts(db, smtp_settings, today) == 0  # not judged yet: nothing known
    await watch_targets(db, app.state.catalogue, smtp_settings)  # the worker's judgement
    assert await send_alerts(db, smtp_settings, today) == 2
    assert await send_alerts(db, smtp_settings, today) == 0  # told once
    got = {m["To"]: m for m in inbox.messages}
    assert sorted(got) == ["d1@x.vn", "p@x.vn"]
    assert subject_of(got["d1@x.vn"]) == "[SIPAS] 1 đơn vị dưới chỉ tiêu"
    text = body_of(got["d1@x.vn"])
    assert "(D1), đợt khảo sát R2026: chỉ số 25,0 %, chỉ tiêu 90,0 %" in text and "D2" not in text

    # Back above (target lowered), then below again: a new fall, told again.
    async with app.state.db.write_sessions.begin() as session:
        await set_targets(session, CLI, app.state.catalogue, province.round, [("D1", 0.0)])
    await watch_targets(db, app.state.catalogue, smtp_settings)
    assert await send_alerts(db, smtp_settings, today) == 0
    async with app.state.db.write_sessions.begin() as session:
        await set_targets(session, CLI, app.state.catalogue, province.round, [("D1", 80.0)])
    await watch_targets(db, app.state.catalogue, smtp_settings)
    assert await send_alerts(db, smtp_settings, today) == 2
    assert len(inbox.messages) == 4


async def test_the_weekly_digest_goes_once_a_week_to_heads_who_want_it(
    app: FastAPI, client: httpx.AsyncClient, smtp_settings: Settings, smtp: tuple[Inbox, int]
):
    inbox, _ = smtp
    province = await make_province(app)
    monday = date(2026, 12, 7)
    zone = ZoneInfo(smtp_settings.timezone)
    for day, unit in [(1, "C11"), (3, "C11"), (6, "C12"), (8, "C11"), (0, "C11")]:
        at = datetime.combine(monday - timedelta(days=day), time(10), zone)
        await respond(app, province, unit, f"Góp ý ngày {day}", submitted_at=at)
    await sync(app)
    async with app.state.db.write_sessions.begin() as session:  # received when submitted
        await session.execute(
            update(Comment).values(
                created_at=select(Response.submitted_at)
                .where(Response.id == Comment.response_id)
                .scalar_subquery(),
                due_on=monday + timedelta(days=5),
            )
        )
    await make_user(app, "d1@x.vn", [("manager", "D1")])
    await make_user(app, "d2@x.vn", [("admin", "D2")])  # nothing at D2
    await make_user(app, "no-digest@x.vn", [("admin", "P")])
    await make_user(app, "all-off@x.vn", [("admin", "P")])
    for login, change in [
        ("no-digest@x.vn", {"digest": False}),
        ("all-off@x.vn", {"enabled": False}),
    ]:
        await sign_in(client, login)
        csrf = {"x-csrf-token": await csrf_of(client)}
        assert (
            await client.put("/api/v1/account/alerts", json=change, headers=csrf)
        ).status_code == 200

    db = app.state.db
    assert await send_digests(db, smtp_settings, monday) == 1
    assert await send_digests(db, smtp_settings, monday) == 0
    assert await send_digests(db, smtp_settings, monday + timedelta(days=2)) == 0  # same week
    [mail] = inbox.messages
    assert mail["To"] == "d1@x.vn"
    assert subject_of(mail) == "[SIPAS] Tóm tắt tuần 30/11 – 06/12/2026"
    text = body_of(mail)
    # 30/11–06/12: C11 on the 1st and 3rd day back, C12 on the 6th; not 8 days back, not today.
    assert "(C11): 2 phiếu khảo sát, 2 góp ý mới, 0 góp ý quá hạn" in text
    assert "(C12): 1 phiếu khảo sát, 1 góp ý mới, 0 góp ý quá hạn" in text
    assert "Góp ý ngày" not in text  # counts, never the text
    later = smtp_settings.model_copy(update={"alert_digest_weekday": 2})
    assert await send_digests(db, later, monday + timedelta(days=8)) == 0  # not Wednesday yet
    assert await send_digests(db, later, monday + timedelta(days=9)) == 1
