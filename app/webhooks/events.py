"""The events another system can subscribe to, and the outbox rows they become.

Events are found by the background worker (``scan``), never inside a citizen's or staff
member's request: new responses (``response.created``; ``integrity.flag`` when a detection
rule fired on one; ``response.low_score`` below the threshold, app.webhooks.scores) and frozen
revisions (``revision.frozen``, ``round.published``), read after a cursor over their ids;
``comment.overdue`` (app.webhooks.overdue) after a cursor over due days; ``unit.below_target``
from the targets' judgements (app.webhooks.targets). Each (subscription, event) is one
``webhook_delivery`` row under a unique key, so a pass that reads an event twice adds nothing.
Payload schemas: docs/webhooks.md.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.db import dialect_insert
from app.forms.registry import Catalogue
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
from app.webhooks.scores import response_scores

EVENTS = (
    "response.created",
    "response.low_score",
    "integrity.flag",
    "comment.overdue",
    "unit.below_target",
    "revision.frozen",
    "round.published",
)
SCAN_BATCH = 1000


SOURCES: dict[str, Any] = {"response": Response, "snapshot": ReportSnapshot}


OVERDUE = "comment_overdue"  # its cursor: the last due day (ordinal) whose comments were told


async def start_cursors(session: AsyncSession, today: date | None = None) -> None:
    """Cursors that do not exist yet start after the rows of today: a new subscription gets
    the events from now on, not the history (comments overdue before today included)."""
    start: dict[str, Any] = {
        source: select(func.coalesce(func.max(model.id), 0)).scalar_subquery()
        for source, model in SOURCES.items()
    }
    start[OVERDUE] = (today or get_settings().today()).toordinal() - 1
    for source, value in start.items():
        await session.execute(
            dialect_insert(session, WebhookCursor)
            .values(source=source, last_id=value)
            .on_conflict_do_nothing()
        )


async def cursor_of(session: AsyncSession, source: str, today: date | None = None) -> WebhookCursor:
    """The scan's cursor over ``source``, locked on PostgreSQL (one scanner at a time)."""
    await start_cursors(session, today)
    query = select(WebhookCursor).where(WebhookCursor.source == source)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # one scanner per source at a time
    return (await session.scalars(query)).one()


def envelope(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": event_type, "timestamp": utcnow().isoformat(), "data": data}


async def add_delivery(
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


@dataclass(frozen=True)
class Told:
    """Writes one event of a unit to each subscription that wants it."""

    session: AsyncSession
    subscriptions: list[WebhookSubscription]
    tree: UnitTree
    unit_id: int

    async def __call__(self, event_type: str, key: str, data: dict[str, Any]) -> int:
        """Outbox rows for the event (``key``: unique per subscription); how many."""
        found = wanting(self.subscriptions, event_type, self.unit_id, self.tree)
        for sub in found:
            await add_delivery(self.session, sub, key, envelope(event_type, data))
        return len(found)


def wanting(
    subscriptions: list[WebhookSubscription], event_type: str, unit_id: int, tree: UnitTree
) -> list[WebhookSubscription]:
    chain = {n.id for n in tree.ancestors(unit_id)}
    return [s for s in subscriptions if event_type in s.events and s.unit_id in chain]


@dataclass(frozen=True)
class LowScore:
    """What ``response.low_score`` needs: the instruments, and the score (percent) below
    which a response is low."""

    catalogue: Catalogue
    below: float


async def scan_responses(session: AsyncSession, settle: float, low: LowScore | None = None) -> int:
    """Outbox rows for responses past the cursor; the cursor moves past those settled.

    With no active subscription nobody is told anything (as for a disabled one): the cursor
    moves past the settled responses without reading them, so that collection with no
    webhook configured costs one indexed read every pass."""
    cursor = await cursor_of(session, "response")
    subscriptions = await active_subscriptions(session)
    if not subscriptions:
        settled_before = utcnow() - timedelta(seconds=settle)
        last = await session.scalar(
            select(Response.id)
            .where(Response.submitted_at <= settled_before)
            .order_by(Response.id.desc())
            .limit(1)
        )
        if last is not None and last > cursor.last_id:
            cursor.last_id = last
        return 0
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
                Round.form_code,
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
    flags: dict[int, list[str]] = defaultdict(list)
    for response_id, rule in await session.execute(
        select(ResponseFlag.response_id, ResponseFlag.rule).where(
            ResponseFlag.response_id.in_([r[0] for r in rows])
        )
    ):
        flags[response_id].append(rule)
    scores = await _low_scores(session, subscriptions, low, rows)
    tree, added, settled = await load_tree(session), 0, utcnow() - timedelta(seconds=settle)
    for rid, unit_id, channel, status, at, round_code, unit_code, _ in rows:
        data = {
            "response_id": rid,
            "round": round_code,
            "unit": unit_code,
            "channel": channel,
            "status": status,
            "submitted_at": as_utc(at).isoformat(),
        }
        told = Told(session, subscriptions, tree, unit_id)
        added += await told("response.created", f"response.created:{rid}", data)
        if flags.get(rid):
            flagged = {**data, "rules": sorted(flags[rid])}
            added += await told("integrity.flag", f"integrity.flag:{rid}", flagged)
        if rid in scores and low is not None:
            score, answered = scores[rid]
            found = {**data, "score": round(score, 2), "criteria": answered, "threshold": low.below}
            added += await told("response.low_score", f"response.low_score:{rid}", found)
        if as_utc(at) <= settled:
            cursor.last_id = rid
        else:
            break  # later rows are read again next pass (their keys make that harmless)
    return added


async def _low_scores(
    session: AsyncSession,
    subscriptions: list[WebhookSubscription],
    low: LowScore | None,
    rows: Sequence[Any],
) -> dict[int, tuple[float, int]]:
    """Scores of the valid responses among ``rows`` below the threshold (read only when a
    subscription wants the event)."""
    if low is None or not any("response.low_score" in s.events for s in subscriptions):
        return {}
    valid = [(r[0], r[7]) for r in rows if r[3] == "valid"]
    scores = await response_scores(session, low.catalogue, valid)
    return {rid: found for rid, found in scores.items() if found[0] < low.below}


async def scan_snapshots(session: AsyncSession) -> int:
    """Outbox rows for revisions frozen (and so the round published) past the cursor."""
    cursor = await cursor_of(session, "snapshot")
    rows = (
        await session.execute(
            select(
                ReportSnapshot.id,
                ReportSnapshot.round_id,
                ReportSnapshot.revision,
                ReportSnapshot.created_at,
                Round.code,
                ReportSnapshot.content_hash,
                ReportSnapshot.note,
            )
            .join(Round, Round.id == ReportSnapshot.round_id)
            .where(ReportSnapshot.id > cursor.last_id)
            .order_by(ReportSnapshot.id)
        )
    ).all()
    subscriptions = await active_subscriptions(session)
    covered = await _round_roots(session, {r[1] for r in rows})
    tree, added = await load_tree(session), 0
    for sid, round_id, revision, at, code, digest, note in rows:
        events = {
            "round.published": {
                "round": code,
                "revision": revision,
                "published_at": as_utc(at).isoformat(),
            },
            "revision.frozen": {
                "round": code,
                "revision": revision,
                "supersedes": revision - 1 if revision > 1 else None,
                "content_hash": digest,
                "note": note,
                "frozen_at": as_utc(at).isoformat(),
            },
        }
        for event_type, data in events.items():
            subs = {
                s.id: s
                for u in covered.get(round_id, [])
                for s in wanting(subscriptions, event_type, u, tree)
            }
            for sub in subs.values():
                await add_delivery(session, sub, f"{event_type}:{sid}", envelope(event_type, data))
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
