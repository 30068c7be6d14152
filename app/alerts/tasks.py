"""Alerts are found and sent by the background worker, never in a request."""

from __future__ import annotations

from app.alerts.digest import send_digests
from app.alerts.service import send_alerts
from app.worker.registry import Context, periodic


@periodic("alerts.send", every=600.0, timeout=300, backoff=60.0, max_backoff=3600.0)
async def alerts(ctx: Context) -> int:
    today = ctx.settings.today()
    sent = await send_alerts(ctx.db, ctx.settings, today)
    return sent + await send_digests(ctx.db, ctx.settings, today)
