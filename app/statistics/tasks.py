"""Background work of the statistics engine: fold every round's queue into its tallies (or
rebuild them), and vacuum the queue's dead rows on PostgreSQL.

Both are idempotent and safe in every replica at once: a round is folded by whoever takes its
advisory lock first (the others skip it), and a fold is one transaction that either commits
its batch and the queue rows it took, or nothing (a killed process loses nothing).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models import Round
from app.models.base import utcnow
from app.statistics.cells import Spec
from app.statistics.design import Design
from app.statistics.maintained import Folded, Progress, fold_round
from app.worker.loop import log_job
from app.worker.registry import Context, periodic

FOLD = "statistics.fold"
VACUUM = "statistics.vacuum"


async def _rounds(ctx: Context) -> list[Round]:
    async with ctx.db.sessions() as session:
        return list((await session.scalars(select(Round).order_by(Round.id))).all())


async def fold_one(ctx: Context, round_: Round, watch: Progress | None = None) -> Folded:
    """Bring one round's tallies up to date, its progress in ``ctx.progress`` (and told to
    ``watch``), one log line."""
    # Every round, also those weighted live (raked): their tallies stay ready and their queue
    # does not grow.
    design = Design.of(round_, ctx.settings.timezone)
    form = ctx.catalogue.get(round_.form_code)
    key, started = f"{FOLD}:{round_.code}", time.monotonic()
    doing: dict[str, Any] = {"round": round_.code, "started_at": utcnow().isoformat()}

    def progress(step: str) -> None:
        ctx.progress[key] = doing | {"step": step}
        if watch is not None:
            watch(step)

    try:
        done = await fold_round(
            ctx.db.engine, round_.id, design, Spec.of(form.instrument), form.content_hash, progress
        )
    finally:
        ctx.progress.pop(key, None)
    if done.kind in ("fold", "rebuild"):
        seconds = time.monotonic() - started
        log_job(ctx, FOLD, "ok", done.rows, seconds, round=round_.code, kind=done.kind)
    return done


@periodic(FOLD, every=1.0, timeout=3600.0)
async def fold(ctx: Context) -> int:
    """Fold (or rebuild) every round that has something to fold; rows taken in."""
    total = 0
    for round_ in await _rounds(ctx):
        total += (await fold_one(ctx, round_)).rows
    return total


async def vacuum_queue(engine: AsyncEngine) -> None:
    """PostgreSQL: reclaim the queue rows folds deleted, which every look at the queue would
    otherwise step over until autovacuum comes by."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM (ANALYZE) tally_queue"))


@periodic(VACUUM, every=60.0, timeout=300.0)
async def vacuum(ctx: Context) -> int:
    """Vacuum the queue (PostgreSQL; a no-op on SQLite)."""
    await vacuum_queue(ctx.db.engine)
    return 0
