"""Console pages for webhooks and alert e-mails over HTTP: create (secret shown once), the
delivery log after the worker sent to a real receiver, redeliver, disable and enable, each
audited; scope and CSRF hold; a head turns a kind of alert off."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from standardwebhooks import Webhook

from app.config import Settings
from app.models import WebhookSubscription
from app.webhooks.delivery import deliver_due
from app.webhooks.tasks import find_events
from tests.console.helpers import HTML, staff_client
from tests.factories import add_response, make_province, ratings
from tests.reporting.helpers import audit_actions
from tests.webhooks.helpers import Receiver, fast, make_webhook, serving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serving()


async def test_an_admin_subscribes_reads_the_log_redelivers_and_disables(
    app: FastAPI, settings: Settings, receiver: Receiver
):
    settings = fast(settings)
    province = await make_province(app)
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (staff, csrf):
        form = {"csrf_token": csrf, "url": f"{receiver.url}/ok", "unit": "D1"}
        data = {**form, "events": ["response.created", "response.low_score"]}
        created = await staff.post("/console/webhooks", data=data)
        assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
        found = re.search(
            r'<code class="secret" id="new-secret">(whsec_[^<]+)</code>', created.text
        )
        assert found is not None
        secret = found.group(1)
        page = await staff.get("/console/webhooks", headers=HTML)
        assert "Phiếu có mức hài lòng thấp" in page.text and secret not in page.text
        async with app.state.db.sessions() as session:
            sub = (await session.scalars(select(WebhookSubscription))).one()
        assert sub.events == ["response.created", "response.low_score"] and sub.unit_id

        await add_response(app, province, "C11", ratings({}))
        await find_events(app.state.db, 0.0)
        await deliver_due(app.state.db, settings)
        await asyncio.sleep(0.1)
        [(_, headers, body, _)] = receiver.at("/ok")
        assert Webhook(secret).verify(body, headers)["type"] == "response.created"

        log = await staff.get(f"/console/webhooks/{sub.id}", headers=HTML)
        assert log.status_code == 200 and "Đã nhận" in log.text and "HTTP 200" in log.text
        delivery = re.search(rf"/console/webhooks/{sub.id}/deliveries/(\d+)/redeliver", log.text)
        assert delivery is not None
        again = await staff.post(delivery.group(0), data={"csrf_token": csrf})
        assert again.status_code == 303
        await deliver_due(app.state.db, settings)
        await asyncio.sleep(0.1)
        assert len(receiver.at("/ok")) == 2

        off = await staff.post(f"/console/webhooks/{sub.id}/disable", data={"csrf_token": csrf})
        assert off.status_code == 303 and off.headers["location"].endswith("webhook-disabled")
        assert "Đã tắt" in (await staff.get(f"/console/webhooks/{sub.id}", headers=HTML)).text
        await add_response(app, province, "C11", ratings({}))
        await find_events(app.state.db, 0.0)
        await deliver_due(app.state.db, settings)
        await asyncio.sleep(0.1)
        assert len(receiver.at("/ok")) == 2  # disabled: nothing sent
        on = await staff.post(f"/console/webhooks/{sub.id}/enable", data={"csrf_token": csrf})
        assert on.status_code == 303
        await add_response(app, province, "C12", ratings({}))
        await find_events(app.state.db, 0.0)
        await deliver_due(app.state.db, settings)
        await asyncio.sleep(0.1)
        units = [Webhook(secret).verify(b, h)["data"]["unit"] for _, h, b, _ in receiver.at("/ok")]
        assert units == ["C11", "C11", "C12"]  # not the event while it was disabled
    for action in ("webhook.create", "webhook.redeliver", "webhook.disable", "webhook.enable"):
        assert await audit_actions(app, action) == 1, action


async def test_webhook_pages_keep_to_scope_csrf_and_valid_input(app: FastAPI):
    await make_province(app)
    other, _ = await make_webhook(app, "D2", "https://d2.example.vn/hook")
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (staff, csrf):
        listing = await staff.get("/console/webhooks", headers=HTML)
        assert "d2.example.vn" not in listing.text
        assert (await staff.get(f"/console/webhooks/{other}", headers=HTML)).status_code == 403
        refused = await staff.post(f"/console/webhooks/{other}/disable", data={"csrf_token": csrf})
        assert refused.status_code == 403
        ok = {
            "csrf_token": csrf,
            "url": "https://a.example.vn/h",
            "unit": "D1",
            "events": "comment.overdue",
        }
        assert (
            await staff.post("/console/webhooks", data={**ok, "csrf_token": "x"})
        ).status_code == 403
        for bad in ({"url": "ftp://x"}, {"events": "nope"}, {"unit": "D2"}):
            answer = await staff.post("/console/webhooks", data={**ok, **bad})
            assert answer.status_code == 422 and 'id="new-secret"' not in answer.text
        missing = await staff.post("/console/webhooks/999/enable", data={"csrf_token": csrf})
        assert missing.status_code == 404
    async with staff_client(app, "viewer@x.vn", [("viewer", "P")]) as (staff, _):
        assert (await staff.get("/console/webhooks", headers=HTML)).status_code == 403
        assert (await staff.get("/console/alerts", headers=HTML)).status_code == 403
    async with app.state.db.sessions() as session:
        assert len((await session.scalars(select(WebhookSubscription))).all()) == 1


async def test_a_head_turns_the_digest_off_on_the_alerts_page(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("manager", "D1")]) as (staff, csrf):
        page = await staff.get("/console/alerts", headers=HTML)
        assert page.status_code == 200 and page.text.count("checked") == 4
        form = {"csrf_token": csrf, "enabled": "1", "overdue": "1", "below_target": "1"}
        assert (
            await staff.post("/console/alerts", data={**form, "csrf_token": ""})
        ).status_code == 403
        saved = await staff.post("/console/alerts", data=form)
        assert saved.status_code == 303
        settings = (await staff.get("/api/v1/account/alerts")).json()
        assert settings == {"enabled": True, "overdue": True, "below_target": True, "digest": False}
        assert (await staff.get("/console/alerts", headers=HTML)).text.count("checked") == 3
    assert await audit_actions(app, "account.alerts") == 1
