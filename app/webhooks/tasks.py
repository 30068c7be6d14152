"""Webhooks' background work: find events (``webhooks.events``) and deliver them
(``webhooks.deliver``). Idempotent, coordinated through the database."""

from __future__ import annotations

from app.db import Database
from app.webhooks.delivery import deliver_due
from app.webhooks.events import scan_responses, scan_snapshots
from app.worker.registry import Context, periodic


async def find_events(db: Database, settle: float) -> int:
    """Write the outbox rows of new events; how many."""
    async with db.write_sessions.begin() as session:
        added = await scan_responses(session, settle)
    async with db.write_sessions.begin() as session:
        added += await scan_snapshots(session)
    return added


@periodic("webhooks.events", every=2.0, timeout=120)
async def events(ctx: Context) -> int:
    return await find_events(ctx.db, ctx.settings.webhook_settle_seconds)


@periodic("webhooks.deliver", every=1.0, timeout=120)
async def deliver(ctx: Context) -> int:
    return await deliver_due(ctx.db, ctx.settings)
