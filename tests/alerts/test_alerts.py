"""E-mail alerts to heads of units through a real SMTP server on 127.0.0.1 (aiosmtpd): one
e-mail a day to each head whose units have overdue comments, none to a head who turned them
off or whose units have none; the development outbox writes .eml files."""

from __future__ import annotations

import email
import email.header
import socket
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import Message
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy import update

from app.alerts.service import send_alerts
from app.config import Settings
from app.models import Comment
from tests.auth_helpers import csrf_of, sign_in
from tests.comment_factories import comment_of, respond
from tests.factories import make_province, make_user


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


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
                .values(due_on=date.today() - timedelta(days=3))
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
    assert off.json() == {"enabled": False}
    assert (await client.get("/api/v1/account/alerts")).json() == {"enabled": False}

    today = date.today()
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
    assert await send_alerts(app.state.db, settings, date.today()) == 1
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1 and "d2@x.vn" in files[0].read_text()
