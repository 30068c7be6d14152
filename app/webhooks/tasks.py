"""Webhooks' background work: find events (``webhooks.events``), judge units against their
targets (``webhooks.targets``) and deliver (``webhooks.deliver``). Idempotent, coordinated
through the database."""

from __future__ import annotations

from datetime import date

from app.db import Database
from app.webhooks.delivery import deliver_due
from app.webhooks.events import LowScore, scan_responses, scan_snapshots
from app.webhooks.overdue import scan_overdue
from app.webhooks.targets import watch_targets
from app.worker.registry import DEFER, Context, periodic


async def find_events(
    db: Database, settle: float, low: LowScore | None = None, today: date | None = None
) -> int:
    """Write the outbox rows of new events; how many. ``low``: also ``response.low_score``;
    ``today``: also ``comment.overdue`` (comments due before it)."""
    async with db.write_sessions.begin() as session:
        added = await scan_responses(session, settle, low)
    async with db.write_sessions.begin() as session:
        added += await scan_snapshots(session)
    if today is not None:
        async with db.write_sessions.begin() as session:
            added += await scan_overdue(session, today)
    return added


@periodic("webhooks.events", every=2.0, timeout=120)
async def events(ctx: Context) -> int:
    settings = ctx.settings
    low = LowScore(ctx.catalogue, settings.webhook_low_score_percent)
    return await find_events(ctx.db, settings.webhook_settle_seconds, low, settings.today())


@periodic(
    "webhooks.targets", every=300.0, timeout=600, backoff=30.0, max_backoff=1800.0, defer=DEFER
)
async def targets(ctx: Context) -> int:
    return await watch_targets(ctx.db, ctx.catalogue, ctx.settings)


@periodic("webhooks.deliver", every=1.0, timeout=120)
async def deliver(ctx: Context) -> int:
    return await deliver_due(ctx.db, ctx.settings)
