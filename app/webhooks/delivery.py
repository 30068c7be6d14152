"""Delivering the outbox: claim due rows (FOR UPDATE SKIP LOCKED), send them signed per
Standard Webhooks outside any transaction, record the outcome.

A claim moves ``next_attempt_at`` a lease ahead and counts the attempt, then commits: another
worker skips the row while the lease runs, and a worker that dies mid-send leaves a row that
is due again when the lease ends. Accepted (2xx): ``delivered``. Otherwise the next attempt
is after backoff × 2^(attempts−1) s (at most ``MAX_BACKOFF``), and after ``max_attempts`` the
row is ``failed``. Each failed attempt counts against its subscription; ``disable_after``
consecutive ones disable it (its pending rows wait until it is enabled again).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import select, update
from standardwebhooks import Webhook

from app.config import Settings
from app.db import Database
from app.models import WebhookDelivery, WebhookSubscription
from app.models.base import utcnow

CLAIM_BATCH = 50
LEASE = timedelta(minutes=2)
MAX_BACKOFF = 6 * 3600.0


@dataclass(frozen=True)
class Claimed:
    id: int
    msg_id: str
    body: str
    url: str
    secret: str


@dataclass(frozen=True)
class Outcome:
    id: int
    status_code: int | None
    error: str | None

    @property
    def accepted(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_headers(secret: str, msg_id: str, body: str) -> dict[str, str]:
    """The Standard Webhooks headers of one message."""
    now = utcnow()
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, now, body),
    }


async def claim(db: Database, settings: Settings) -> list[Claimed]:
    """Due deliveries of active subscriptions, leased to this worker (committed at once). A
    subscription gets no more in flight than the failures it may still have before it is
    disabled, so an endpoint that always fails is tried exactly ``disable_after`` times."""
    now = utcnow()
    async with db.write_sessions.begin() as session:
        query = (
            select(
                WebhookDelivery,
                WebhookSubscription.url,
                WebhookSubscription.secret,
                WebhookSubscription.failures,
            )
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                WebhookSubscription.active,
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(CLAIM_BATCH)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
        claimed: list[Claimed] = []
        budget: dict[int, int] = {}
        for row, url, secret, failures in (await session.execute(query)).all():
            left = budget.setdefault(row.subscription_id, settings.webhook_disable_after - failures)
            if left <= 0:
                continue
            budget[row.subscription_id] = left - 1
            row.next_attempt_at, row.attempts = now + LEASE, row.attempts + 1
            body = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":"))
            claimed.append(Claimed(row.id, row.msg_id, body, url, secret))
        return claimed


async def send(client: httpx.AsyncClient, item: Claimed) -> Outcome:
    try:
        answer = await client.post(
            item.url, content=item.body, headers=signed_headers(item.secret, item.msg_id, item.body)
        )
    except httpx.HTTPError as exc:
        return Outcome(item.id, None, f"{type(exc).__name__}: {exc}"[:500])
    error = None if 200 <= answer.status_code < 300 else answer.text[:500]
    return Outcome(item.id, answer.status_code, error)


async def record(db: Database, settings: Settings, outcomes: list[Outcome]) -> None:
    """Store each outcome; count failures against subscriptions (atomic updates: workers on
    several replicas may record at once) and disable them at the limit."""
    now = utcnow()
    async with db.write_sessions.begin() as session:
        for outcome in outcomes:
            row = await session.get_one(WebhookDelivery, outcome.id)
            row.last_status_code, row.last_error = outcome.status_code, outcome.error
            subscription = WebhookSubscription.id == row.subscription_id
            if outcome.accepted:
                row.status, row.delivered_at = "delivered", now
                await session.execute(
                    update(WebhookSubscription).where(subscription).values(failures=0)
                )
                continue
            failures = WebhookSubscription.failures + 1
            await session.execute(
                update(WebhookSubscription).where(subscription).values(failures=failures)
            )
            await session.execute(
                update(WebhookSubscription)
                .where(
                    subscription,
                    WebhookSubscription.active,
                    WebhookSubscription.failures >= settings.webhook_disable_after,
                )
                .values(active=False, disabled_at=now)
            )
            if row.attempts >= settings.webhook_max_attempts:
                row.status = "failed"
            else:
                pause = settings.webhook_backoff_seconds * 2 ** (row.attempts - 1)
                row.next_attempt_at = now + timedelta(seconds=min(pause, MAX_BACKOFF))


async def deliver_due(db: Database, settings: Settings) -> int:
    """One pass: claim, send concurrently, record; the number of deliveries attempted."""
    claimed = await claim(db, settings)
    if not claimed:
        return 0
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds) as client:
        outcomes = await asyncio.gather(*(send(client, item) for item in claimed))
    await record(db, settings, list(outcomes))
    return len(outcomes)
