"""The sender: invitations and reminders due, within quiet hours and rate limits."""

from __future__ import annotations

from app.messages.sending import send_due
from app.models.base import utcnow
from app.worker.registry import Context, periodic


@periodic("messages.send", every=15.0, timeout=300)
async def send(ctx: Context) -> int:
    return await send_due(ctx.db, ctx.settings, utcnow())
