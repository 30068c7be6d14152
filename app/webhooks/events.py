"""The events another system can subscribe to, and the outbox rows they become.

Events are found by the background worker (``scan``), never inside a citizen's or staff
member's request: new responses (``response.created``; ``integrity.flag`` when a detection
rule fired on one) and published revisions (``round.published``), read after a cursor over
their ids. Each (subscription, event) is one ``webhook_delivery`` row under a unique key, so a
pass that reads an event twice adds nothing. Payload schemas: docs/webhooks.md.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import dialect_insert
from app.models import (
    ReportSnapshot,
    Response,
    ResponseFlag,
    Round,
    Unit,
    WebhookCursor,
    WebhookDelivery,
    WebhookSubscription,
)
from app.models.base import as_utc, utcnow
from app.units.service import UnitTree, load_tree

EVENTS = ("response.created", "integrity.flag", "round.published")
SCAN_BATCH = 1000


SOURCES: dict[str, Any] = {"response": Response, "snapshot": ReportSnapshot}


async def start_cursors(session: AsyncSession) -> None:
    """Cursors that do not exist yet start after the rows of today: a new subscription gets
    the events from now on, not the history."""
    for source, model in SOURCES.items():
        latest = select(func.coalesce(func.max(model.id), 0)).scalar_subquery()
        await session.execute(
            dialect_insert(session, WebhookCursor)
            .values(source=source, last_id=latest)
            .on_conflict_do_nothing()
        )


async def _cursor(session: AsyncSession, source: str) -> WebhookCursor:
    await start_cursors(session)
    query = select(WebhookCursor).where(WebhookCursor.source == source)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # one scanner per source at a time
    return (await session.scalars(query)).one()


def envelope(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": event_type, "timestamp": utcnow().isoformat(), "data": data}


async def _add(
    session: AsyncSession, subscription: WebhookSubscription, key: str, event: dict[str, Any]
) -> None:
    row = {
        "subscription_id": subscription.id,
        "event_key": key[:64],
        "msg_id": f"msg_{uuid.uuid4().hex}",
        "event_type": event["type"],
        "payload": event,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": utcnow(),
        "created_at": utcnow(),
    }
    await session.execute(
        dialect_insert(session, WebhookDelivery).values(row).on_conflict_do_nothing()
    )


def _wanting(
    subscriptions: list[WebhookSubscription], event_type: str, unit_id: int, tree: UnitTree
) -> list[WebhookSubscription]:
    chain = {n.id for n in tree.ancestors(unit_id)}
    return [s for s in subscriptions if event_type in s.events and s.unit_id in chain]


async def scan_responses(session: AsyncSession, settle: float) -> int:
    """Outbox rows for responses past the cursor; the cursor moves past those settled."""
    cursor = await _cursor(session, "response")
    rows = (
        await session.execute(
            select(
                Response.id,
                Response.unit_id,
                Response.channel,
                Response.status,
                Response.submitted_at,
                Round.code,
                Unit.code,
            )
            .join(Round, Round.id == Response.round_id)
            .join(Unit, Unit.id == Response.unit_id)
            .where(Response.id > cursor.last_id)
            .order_by(Response.id)
            .limit(SCAN_BATCH)
        )
    ).all()
    if not rows:
        return 0
    subscriptions = await active_subscriptions(session)
    flags: dict[int, list[str]] = defaultdict(list)
    for response_id, rule in await session.execute(
        select(ResponseFlag.response_id, ResponseFlag.rule).where(
            ResponseFlag.response_id.in_([r[0] for r in rows])
        )
    ):
        flags[response_id].append(rule)
    tree, added, settled = await load_tree(session), 0, utcnow() - timedelta(seconds=settle)
    for rid, unit_id, channel, status, at, round_code, unit_code in rows:
        data = {
            "response_id": rid,
            "round": round_code,
            "unit": unit_code,
            "channel": channel,
            "status": status,
            "submitted_at": as_utc(at).isoformat(),
        }
        for sub in _wanting(subscriptions, "response.created", unit_id, tree):
            await _add(session, sub, f"response.created:{rid}", envelope("response.created", data))
            added += 1
        if flags.get(rid):
            flagged = {**data, "rules": sorted(flags[rid])}
            for sub in _wanting(subscriptions, "integrity.flag", unit_id, tree):
                await _add(
                    session, sub, f"integrity.flag:{rid}", envelope("integrity.flag", flagged)
                )
                added += 1
        if as_utc(at) <= settled:
            cursor.last_id = rid
        else:
            break  # later rows are read again next pass (their keys make that harmless)
    return added


async def scan_snapshots(session: AsyncSession) -> int:
    """Outbox rows for revisions frozen and published past the cursor."""
    cursor = await _cursor(session, "snapshot")
    rows = (
        await session.execute(
            select(
                ReportSnapshot.id,
                ReportSnapshot.round_id,
                ReportSnapshot.revision,
                ReportSnapshot.created_at,
                Round.code,
            )
            .join(Round, Round.id == ReportSnapshot.round_id)
            .where(ReportSnapshot.id > cursor.last_id)
            .order_by(ReportSnapshot.id)
        )
    ).all()
    subscriptions = await active_subscriptions(session)
    covered = await _round_roots(session, {r[1] for r in rows})
    tree, added = await load_tree(session), 0
    for sid, round_id, revision, at, code in rows:
        data = {"round": code, "revision": revision, "published_at": as_utc(at).isoformat()}
        wanting = {
            s.id: s
            for u in covered.get(round_id, [])
            for s in _wanting(subscriptions, "round.published", u, tree)
        }
        for sub in wanting.values():
            await _add(session, sub, f"round.published:{sid}", envelope("round.published", data))
            added += 1
        cursor.last_id = sid
    return added


async def _round_roots(session: AsyncSession, round_ids: set[int]) -> dict[int, list[int]]:
    from app.models import RoundUnit

    found: dict[int, list[int]] = defaultdict(list)
    if round_ids:
        for round_id, unit_id in await session.execute(
            select(RoundUnit.round_id, RoundUnit.unit_id).where(RoundUnit.round_id.in_(round_ids))
        ):
            found[round_id].append(unit_id)
    return found


async def active_subscriptions(session: AsyncSession) -> list[WebhookSubscription]:
    return list(
        (await session.scalars(select(WebhookSubscription).where(WebhookSubscription.active))).all()
    )
