"""`sipas comments sync`: materialise comments from free-text answers (idempotent)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import typer
from sqlalchemy import func, select

from app.comments.sync import PENDING, sync_pending
from app.config import get_settings
from app.db import Database
from app.models import Response

comments_cli = typer.Typer(help="Citizens' comments (góp ý, phản ánh, kiến nghị).")


async def _sync(size: int, advance: Callable[[int], None] | None) -> tuple[int, int]:
    """Batches of ``size`` responses, each committed on its own: a long backlog (the first
    run after upgrading) neither holds one huge transaction nor blocks collection for long."""
    settings = get_settings()
    db = Database(settings)
    try:
        return await sync_pending(db, settings, size, advance)
    finally:
        await db.dispose()


async def _pending() -> int:
    db = Database(get_settings())
    try:
        async with db.sessions() as session:
            return int(
                await session.scalar(select(func.count()).select_from(Response).where(PENDING)) or 0
            )
    finally:
        await db.dispose()


@comments_cli.command("sync")
def sync(batch: int = typer.Option(2000, min=1, help="Responses per transaction.")) -> None:
    """Turn free-text answers of responses not yet synced into comments; safe to run any time,
    also while the application serves (each comment is created once)."""
    if sys.stdout.isatty():
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task("syncing", total=asyncio.run(_pending()))
            processed, created = asyncio.run(_sync(batch, lambda n: progress.advance(task, n)))
    else:
        processed, created = asyncio.run(_sync(batch, None))
    typer.echo(f"{processed} response(s) checked, {created} comment(s) created")
