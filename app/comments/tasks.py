"""Background work of comments: turn free-text answers into comments (app.comments.sync), so
that no console or API request waits for a backlog. Idempotent: the unique key (response_id,
question) creates each comment once, and replicas skip the responses another is syncing."""

from __future__ import annotations

from app.comments.sync import sync_pending
from app.worker.registry import Context, periodic

SYNC = "comments.sync"


@periodic(SYNC, every=2.0, timeout=600.0)
async def sync(ctx: Context) -> int:
    """Sync every pending response in batches; responses processed."""
    processed, _ = await sync_pending(ctx.db, ctx.settings)
    return processed
