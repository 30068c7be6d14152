"""The sender: invitations and reminders due, within quiet hours and rate limits."""

from __future__ import annotations

from app.messages.batch_worker import expand_batches
from app.messages.sending import send_due
from app.models.base import utcnow
from app.worker.registry import Context, periodic


@periodic("messages.send", every=15.0, timeout=300)
async def send(ctx: Context) -> int:
    return await send_due(ctx.db, ctx.settings, utcnow())


@periodic("messages.batches", every=15.0, timeout=300)
async def batches(ctx: Context) -> int:
    """Invitations of batches from a sample draw, issued and queued (app/messages/batch_worker)."""
    return await expand_batches(ctx.db, ctx.settings)
