"""Invitations that are sent, through a fake SMS/Zalo provider on 127.0.0.1: one message per
invitation, one reminder, none in quiet hours, none after an opt-out, delivery reports update
the status, rate limits hold, and the contacts are gone from the database afterwards."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.config import Settings
from app.messages.sending import send_due
from app.models import MessageOptOut, OutboundMessage
from tests.dossiers.helpers import feeder_key
from tests.dossiers.test_indicators import feed_sample
from tests.dossiers.test_rating import answers, rate
from tests.factories import bearer, make_province

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CALLBACK = {"x-sipas-callback-token": "cb-token"}


class Provider:
    """A fake provider: takes {to, channel, template, text, params, reference}, answers {id}."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                assert self.headers["authorization"] == "Bearer provider-token"
                provider.received.append(body)
                answer = json.dumps({"id": f"p{len(provider.received)}"}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def provider() -> Iterator[Provider]:
    found = Provider()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture
def messaging(app: FastAPI, provider: Provider) -> Settings:
    """The app's settings with both channels on the fake provider (sms limited to 2/minute)."""
    settings: Settings = app.state.settings
    gateway = {"kind": "http", "url": provider.url, "token": "provider-token"}
    changed = settings.model_copy(
        update={
            "message_gateways": {"sms": {**gateway, "rate_per_minute": 2}, "zalo": gateway},
            "message_callback_token": "cb-token",
            "message_reminder_hours": 2.0,
            "message_quiet_hours": "21:00-07:00",
        }
    )
    app.state.settings = changed
    return changed


def local(hour: int, day: int = 0) -> datetime:
    base = datetime.now(ZONE).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=day)


async def test_invitations_reminders_quiet_hours_opt_out_and_erasure(
    app: FastAPI, client: httpx.AsyncClient, provider: Provider, messaging: Settings
):
    await make_province(app)
    await feed_sample(app, client)
    key = bearer(await feeder_key(app, "P"))
    invitations = [
        {"number": "C11-1", "channel": "sms", "to": "0912 345 678"},
        {"number": "C11-3", "channel": "zalo", "to": "0987654321"},
        {"number": "C12-1", "channel": "sms", "to": "0900.000.001"},
        {"number": "NOPE", "channel": "sms", "to": "0912345679"},
        {"number": "C12-2", "channel": "sms", "to": "not a phone"},
        {"number": "C12-2", "channel": "email", "to": "a@b.vn"},
    ]
    queued = await client.post(
        "/api/v1/dossiers/invitations", json={"invitations": invitations}, headers=key
    )
    outcome = [(r["status"], (r["error"] or {}).get("code")) for r in queued.json()["results"]]
    assert outcome == [
        ("queued", None),
        ("queued", None),
        ("queued", None),
        ("rejected", "not_returned"),
        ("rejected", "invalid_contact"),
        ("rejected", "no_gateway"),
    ]
    assert provider.received == []  # nothing is sent inside the request
    stop = {"from": "0900 000 001", "text": "Từ chối"}
    refused = await client.post("/api/v1/messages/callbacks/sms", json=stop)
    assert refused.status_code == 404  # without the provider's token
    opted = await client.post("/api/v1/messages/callbacks/sms", json=stop, headers=CALLBACK)
    assert opted.json() == {"result": "opted_out"}

    assert await send_due(app.state.db, messaging, local(22)) == 0  # quiet hours
    assert await send_due(app.state.db, messaging, local(6, day=1)) == 0
    assert provider.received == []
    assert await send_due(app.state.db, messaging, local(9, day=1)) == 2
    sent = sorted((m["channel"], m["to"], m["template"]) for m in provider.received)
    assert sent == [
        ("sms", "0912345678", "service_rating"),
        ("zalo", "0987654321", "service_rating"),
    ]
    assert all(m["params"]["link"] in m["text"] for m in provider.received)
    assert await send_due(app.state.db, messaging, local(10, day=1)) == 0  # reminder not due

    report = {"id": "p1", "status": "delivered"}
    assert (
        await client.post("/api/v1/messages/callbacks/sms", json=report, headers=CALLBACK)
    ).json()["result"] in ("updated", "unknown")
    await client.post("/api/v1/messages/callbacks/zalo", json=report, headers=CALLBACK)
    code = provider.received[[m["channel"] for m in provider.received].index("zalo")]["params"][
        "link"
    ].rsplit("/", 1)[1]
    assert await rate(app, client, code, answers(4)) == 303  # the Zalo invitee answered

    assert await send_due(app.state.db, messaging, local(12, day=1)) == 1  # one reminder
    assert len(provider.received) == 3 and provider.received[-1]["to"] == "0912345678"
    assert provider.received[-1]["text"].startswith("Nhắc lại")
    assert await send_due(app.state.db, messaging, local(15, day=1)) == 0  # only one reminder

    async with app.state.db.sessions() as session:
        rows = (await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))).all()
    assert [(r.gateway, r.status) for r in rows] == [
        ("sms", "done"),
        ("zalo", "answered"),
        ("sms", "opted_out"),
    ]
    delivered = {r.provider_id: r.delivery_status for r in rows if r.provider_id}
    assert "delivered" in delivered.values()
    assert all(r.contact is None and r.erased_at is not None for r in rows)


async def test_a_gateway_keeps_to_its_rate(
    app: FastAPI, client: httpx.AsyncClient, provider: Provider, messaging: Settings
):
    await make_province(app)
    await feed_sample(app, client)
    key = bearer(await feeder_key(app, "P"))
    numbers = ["C11-1", "C11-2", "C11-3"]
    body = {
        "invitations": [
            {"number": n, "channel": "sms", "to": f"091234567{i}"} for i, n in enumerate(numbers)
        ]
    }
    await client.post("/api/v1/dossiers/invitations", json=body, headers=key)
    start = local(9, day=1)
    assert await send_due(app.state.db, messaging, start) == 2  # 2 per minute
    assert await send_due(app.state.db, messaging, start + timedelta(seconds=30)) == 0
    assert await send_due(app.state.db, messaging, start + timedelta(seconds=61)) == 1
    assert len(provider.received) == 3


async def test_the_link_in_a_message_opens_a_page_where_the_citizen_opts_out(
    app: FastAPI, client: httpx.AsyncClient, provider: Provider, messaging: Settings
):
    await make_province(app)
    await feed_sample(app, client)
    key = bearer(await feeder_key(app, "P"))
    first = {"number": "C11-1", "channel": "sms", "to": "0912 345 678"}
    other = {"number": "C11-2", "channel": "sms", "to": "0912 345 000"}
    body = {"invitations": [first, other]}
    await client.post("/api/v1/dossiers/invitations", json=body, headers=key)
    assert await send_due(app.state.db, messaging, local(9, day=1)) == 2
    texts = {m["to"]: m["text"] for m in provider.received}
    base = messaging.public_base_url + "/tu-choi/"
    links = {to: text.split(base, 1)[1].split()[0] for to, text in texts.items()}
    assert "0912345678" not in links["0912345678"]  # the link names no phone number
    mine = "/tu-choi/" + links["0912345678"]

    asked = await client.get(mine)
    assert asked.status_code == 200 and "Tôi không muốn nhận thêm lời mời" in asked.text
    assert asked.headers["cache-control"] == "no-store"
    assert (await client.get(mine[:-1] + ("0" if mine[-1] != "0" else "1"))).status_code == 404
    forged = "/tu-choi/" + links["0912345000"][:32] + links["0912345678"][32:]
    assert (await client.post(forged)).status_code == 404  # a MAC of another contact
    assert "Liên kết này không đúng" in (await client.post(forged)).text
    async with app.state.db.sessions() as session:
        assert (await session.scalars(select(MessageOptOut))).all() == []  # GET changed nothing

    done = await client.post(mine)
    assert done.status_code == 200 and "Đã ghi nhận" in done.text
    assert (await client.post(mine)).status_code == 200  # twice: the same
    english = await client.get(mine + "?lang=en")
    assert "I do not want any more invitations" in english.text
    # No reminder goes to the one who opted out; the other still gets one.
    assert await send_due(app.state.db, messaging, local(12, day=1)) == 1
    assert provider.received[-1]["to"] == "0912345000"
    again = await client.post(
        "/api/v1/dossiers/invitations", json={"invitations": [first]}, headers=key
    )
    assert again.json()["results"][0]["error"]["code"] == "opted_out"
