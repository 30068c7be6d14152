"""The events found by the background worker, delivered to a real receiver on 127.0.0.1 and
verified with the subscription's secret: a response scored below the threshold, a comment
gone overdue, a unit judged below its target (once per fall), a revision frozen."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from standardwebhooks import Webhook

from app.audit.service import CLI
from app.config import Settings
from app.models import Comment
from app.reporting.targets import set_targets
from app.webhooks.delivery import deliver_due
from app.webhooks.events import LowScore
from app.webhooks.targets import watch_targets
from app.webhooks.tasks import find_events
from tests.comment_factories import comment_of, respond
from tests.factories import (
    CRITERIA,
    Province,
    add_response,
    form_body,
    make_province,
    province_today,
    ratings,
)
from tests.reporting.helpers import staff_client
from tests.webhooks.helpers import Receiver, fast, make_webhook


def low(app: FastAPI, below: float = 50.0) -> LowScore:
    return LowScore(app.state.catalogue, below)


async def deliver(app: FastAPI, settings: Settings) -> None:
    await deliver_due(app.state.db, settings)
    await asyncio.sleep(0.1)


def events(receiver: Receiver, secret: str, path: str = "/ok") -> list[dict[str, Any]]:
    """The bodies received at ``path``, each verified with ``secret`` (raises when not)."""
    return [Webhook(secret).verify(body, headers) for _, headers, body, _ in receiver.at(path)]


def first(values: list[int | str], rest: int | str = 5) -> dict[str, int | str]:
    """Ratings of the criteria: ``values`` for the first ones, ``rest`` for the others."""
    return {code: values[i] if i < len(values) else rest for i, code in enumerate(CRITERIA)}


async def test_low_scores_are_told_from_the_threshold_not_counting_na(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, receiver: Receiver
):
    settings = fast(settings)
    province = await make_province(app)
    _, secret = await make_webhook(app, "D1", f"{receiver.url}/ok", ["response.low_score"])
    await add_response(app, province, "C11", ratings({}))  # 100 %
    await add_response(app, province, "C11", ratings(first([2] * 8)))  # 50 %: not below
    await add_response(app, province, "C12", ratings(first(["na"] * 10 + [2] * 3)))  # 3/6
    await add_response(app, province, "C21", ratings({}, default=1))  # outside D1
    page = await client.get("/s/C11")
    token = page.text.split('name="sid" value="', 1)[1].split('"', 1)[0]
    nine_low = {code: "1" for code in CRITERIA[:9]}
    assert (await client.post("/s/C11", data=form_body(token, nine_low))).status_code == 303
    assert receiver.seen == []  # nothing inside the citizen's request

    assert await find_events(app.state.db, 0.0, low(app)) == 1
    assert await find_events(app.state.db, 0.0, low(app)) == 0  # read once
    await deliver(app, settings)
    got = events(receiver, secret)
    assert [e["type"] for e in got] == ["response.low_score"]
    data = got[0]["data"]
    assert (data["unit"], data["channel"], data["score"], data["criteria"]) == (
        "C11",
        "qr",
        43.75,
        16,
    )
    assert data["threshold"] == 50.0 and data["status"] == "valid"

    # The threshold is a setting: at 60 % the 50 % responses would have been low too.
    await add_response(app, province, "C11", ratings(first([2] * 8)))
    assert await find_events(app.state.db, 0.0, low(app, 60.0)) == 1


async def test_a_comment_is_told_once_the_day_after_its_due_day(
    app: FastAPI, settings: Settings, receiver: Receiver
):
    settings = fast(settings)
    province = await make_province(app)
    _, secret = await make_webhook(app, "D1", f"{receiver.url}/ok", ["comment.overdue"])
    today = settings.today()
    due: dict[str, int] = {}
    for unit, text in [("C11", "Chờ lâu"), ("C12", "Đã trả lời"), ("C21", "Ngoài D1")]:
        due[unit] = await comment_of(app, await respond(app, province, unit, text))
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(Comment).values(due_on=today))
        await session.execute(
            update(Comment).where(Comment.id == due["C12"]).values(status="answered")
        )
    assert await find_events(app.state.db, 0.0, None, today) == 0  # due today: not yet
    assert await find_events(app.state.db, 0.0, None, today + timedelta(days=1)) == 1
    assert await find_events(app.state.db, 0.0, None, today + timedelta(days=1)) == 0
    assert await find_events(app.state.db, 0.0, None, today + timedelta(days=2)) == 0
    await deliver(app, settings)
    got = events(receiver, secret)
    assert [(e["type"], e["data"]["comment_id"]) for e in got] == [("comment.overdue", due["C11"])]
    data = got[0]["data"]
    assert data["unit"] == "C11" and data["due_on"] == today.isoformat()
    assert data["days_overdue"] == 1 and "Chờ lâu" not in json.dumps(got[0], ensure_ascii=False)


async def below_round(app: FastAPI, province: Province, value: float) -> None:
    async with app.state.db.write_sessions.begin() as session:
        await set_targets(session, CLI, app.state.catalogue, province.round, [("D1", value)])


async def test_a_unit_below_its_target_is_told_once_per_fall(
    app: FastAPI, settings: Settings, receiver: Receiver
):
    settings = fast(settings)
    province = await make_province(app)
    _, secret = await make_webhook(app, "P", f"{receiver.url}/ok", ["unit.below_target"])
    for i in range(12):
        await add_response(app, province, "C11", ratings({}, default=5 if i < 3 else 1))
        await add_response(app, province, "C21", ratings({}, default=5))
    await below_round(app, province, 90.0)
    db, catalogue = app.state.db, app.state.catalogue
    assert await watch_targets(db, catalogue, settings) == 1
    assert await watch_targets(db, catalogue, settings) == 0  # still below: told already
    await below_round(app, province, 0.0)  # met
    assert await watch_targets(db, catalogue, settings) == 0
    await below_round(app, province, 90.0)  # falls again
    assert await watch_targets(db, catalogue, settings) == 1
    await deliver(app, settings)
    got = sorted(events(receiver, secret), key=lambda e: e["data"]["episode"])  # sent at once
    assert [(e["type"], e["data"]["unit"], e["data"]["episode"]) for e in got] == [
        ("unit.below_target", "D1", 1),
        ("unit.below_target", "D1", 2),
    ]
    data = got[0]["data"]
    assert data["round"] == "R2026" and data["target"] == 90.0 and data["basis"] == "ci95"
    assert data["index"] == 25.0 and data["ci95"][1] < 90.0 and data["figures_as_of"]


async def test_each_frozen_revision_is_told(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, receiver: Receiver
):
    settings = fast(settings)
    province = await make_province(app, status="closed")
    await add_response(app, province, "C11", ratings({}))
    _, secret = await make_webhook(app, "D1", f"{receiver.url}/ok", ["revision.frozen"])
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    freeze = "/api/v1/rounds/R2026/freeze"
    first_rev = (await client.post(freeze, json={"note": "lần 1"})).json()["result"]
    await add_response(app, province, "C12", ratings({}, default=2))
    second = (await client.post(freeze)).json()["result"]
    assert receiver.seen == []  # the freezing requests sent nothing
    assert await find_events(app.state.db, 0.0) == 2
    await deliver(app, settings)
    got = sorted(events(receiver, secret), key=lambda e: e["data"]["revision"])
    assert [(e["type"], e["data"]["revision"], e["data"]["supersedes"]) for e in got] == [
        ("revision.frozen", 1, None),
        ("revision.frozen", 2, 1),
    ]
    assert got[0]["data"]["content_hash"] == first_rev["content_hash"]
    assert (
        got[0]["data"]["note"] == "lần 1"
        and got[1]["data"]["content_hash"] == second["content_hash"]
    )
    assert date.fromisoformat(got[1]["data"]["frozen_at"][:10]) <= province_today() + timedelta(1)


async def test_with_no_subscription_collection_is_passed_over_and_not_told_later(
    app: FastAPI, settings: Settings, receiver: Receiver
):
    """Responses that come in while nobody subscribes are not read (the cursor moves past
    them in one indexed read) and never sent to a subscription made afterwards."""
    from sqlalchemy import select

    from app.models import Response, WebhookCursor

    province = await make_province(app)
    for _ in range(3):
        await add_response(app, province, "C11", ratings({}))
    assert await find_events(app.state.db, 0.0, low(app)) == 0
    async with app.state.db.sessions() as session:
        newest = await session.scalar(select(Response.id).order_by(Response.id.desc()).limit(1))
        cursor = await session.scalar(
            select(WebhookCursor.last_id).where(WebhookCursor.source == "response")
        )
    assert cursor == newest  # passed over, not left to be told later

    _, secret = await make_webhook(app, "P", f"{receiver.url}/ok", ["response.created"])
    await add_response(app, province, "C12", ratings({}))
    assert await find_events(app.state.db, 0.0, low(app)) == 1  # only the new one
    await deliver(app, fast(settings))
    assert [e["data"]["unit"] for e in events(receiver, secret)] == ["C12"]
