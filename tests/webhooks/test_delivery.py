"""Webhooks out, against a real HTTP receiver on 127.0.0.1: retried with backoff until
accepted exactly once with a valid Standard Webhooks signature; an always-failing endpoint
is disabled after the configured number of failed attempts; nothing is sent inside a request."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app.config import Settings
from app.models import ReportSnapshot, WebhookSubscription
from app.webhooks.delivery import deliver_due
from app.webhooks.tasks import find_events
from tests.auth_helpers import csrf_of, sign_in
from tests.factories import add_response, form_body, make_province, make_user, ratings
from tests.webhooks.helpers import Receiver, fast, make_webhook


async def work(app: FastAPI, settings: Settings, passes: int) -> None:
    """What the background worker does, ``passes`` times, waiting out the backoff."""
    for _ in range(passes):
        await find_events(app.state.db, settings.webhook_settle_seconds)
        await deliver_due(app.state.db, settings)
        await asyncio.sleep(0.25)


async def test_a_flaky_receiver_gets_the_event_once_signed_and_nothing_inside_requests(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, receiver: Receiver
):
    settings = fast(settings)
    await make_province(app)
    sub_id, secret = await make_webhook(app, "D1", f"{receiver.url}/flaky", ["response.created"])
    page = await client.get("/s/C11")
    token = page.text.split('name="sid" value="', 1)[1].split('"', 1)[0]
    posted = await client.post("/s/C11", data=form_body(token))
    assert posted.status_code == 303
    assert receiver.seen == []  # the citizen's request delivered nothing
    await work(app, settings, 5)

    tries = receiver.at("/flaky")
    assert [t[3] for t in tries] == [500, 500, 200]
    accepted = [t for t in tries if t[3] == 200]
    assert len(accepted) == 1
    _, headers, body, _ = accepted[0]
    event = Webhook(secret).verify(body, headers)  # raises on a bad signature
    assert event["type"] == "response.created" and event["data"]["unit"] == "C11"
    assert len({t[1]["webhook-id"] for t in tries}) == 1  # one message, retried
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(body, headers)

    await make_user(app, "admin@x.vn", [("admin", "D1")])
    await sign_in(client, "admin@x.vn")
    log = (await client.get(f"/api/v1/webhooks/{sub_id}/deliveries")).json()
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [
        ("delivered", 3, 200)
    ]
    csrf = {"x-csrf-token": await csrf_of(client)}
    again = await client.post(
        f"/api/v1/webhooks/{sub_id}/deliveries/{log[0]['id']}/redeliver", headers=csrf
    )
    assert again.json()["status"] == "pending" and len(receiver.at("/flaky")) == 3
    await work(app, settings, 1)
    assert len(receiver.at("/flaky")) == 4 and receiver.at("/flaky")[-1][3] == 200


async def test_an_always_failing_receiver_is_disabled_after_the_set_number_of_failures(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, receiver: Receiver
):
    settings = fast(settings, webhook_disable_after=3)
    province = await make_province(app)
    sub_id, _ = await make_webhook(app, "P", f"{receiver.url}/down")
    await add_response(app, province, "C21", ratings({}))
    async with app.state.db.write_sessions.begin() as session:
        session.add(
            ReportSnapshot(
                round_id=province.round.id,
                revision=1,
                content_hash="x" * 64,
                note="",
                created_by="test",
            )
        )
    await work(app, settings, 6)
    tries = receiver.at("/down")
    assert len(tries) == 3 and all(t[3] == 500 for t in tries)
    types = sorted({t[2].decode().split('"type":"', 1)[1].split('"', 1)[0] for t in tries})
    assert types == ["response.created", "round.published"]
    async with app.state.db.sessions() as session:
        sub = await session.get_one(WebhookSubscription, sub_id)
        assert sub.active is False and sub.disabled_at is not None and sub.failures == 3

    await make_user(app, "admin@x.vn", [("admin", "P")])
    await sign_in(client, "admin@x.vn")
    csrf = {"x-csrf-token": await csrf_of(client)}
    listed = (await client.get("/api/v1/webhooks")).json()
    assert [(s["id"], s["active"]) for s in listed] == [(sub_id, False)]
    enabled = await client.post(f"/api/v1/webhooks/{sub_id}/enable", headers=csrf)
    assert enabled.json()["active"] is True
    await work(app, settings, 1)
    assert len(receiver.at("/down")) > 3  # it resumed


async def test_subscriptions_check_their_input(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await make_user(app, "d2@x.vn", [("admin", "D2")])
    await sign_in(client, "d2@x.vn")
    csrf = {"x-csrf-token": await csrf_of(client)}
    ok = {"url": "https://he-thong.example.vn/hook", "unit": "D2", "events": ["round.published"]}
    made = await client.post("/api/v1/webhooks", json=ok, headers=csrf)
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    assert "secret" not in (await client.get("/api/v1/webhooks")).json()[0]
    for bad in ({"url": "ftp://x"}, {"events": ["nope"]}, {"events": []}):
        assert (
            await client.post("/api/v1/webhooks", json={**ok, **bad}, headers=csrf)
        ).status_code == 422
    outside = await client.post("/api/v1/webhooks", json={**ok, "unit": "D1"}, headers=csrf)
    assert outside.status_code == 403
    async with app.state.db.sessions() as session:
        assert len((await session.scalars(select(WebhookSubscription))).all()) == 1
