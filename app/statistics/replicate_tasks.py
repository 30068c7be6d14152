"""The worker's task that keeps a round's replicate factors stored (app.statistics.replicate_store):
an estimates-side task, apart from the fold's (app.statistics.tasks), since it reads the round's
design and weights as the estimates do."""

from __future__ import annotations

import time

from sqlalchemy import select

from app.models import Round
from app.statistics.replicate_engine import keep
from app.worker.loop import log_job
from app.worker.registry import Context, periodic

REPLICATES = "statistics.replicates"


async def _rounds(ctx: Context) -> list[Round]:
    async with ctx.db.sessions() as session:
        return list((await session.scalars(select(Round).order_by(Round.id))).all())


@periodic(REPLICATES, every=5.0, timeout=3600.0)
async def replicates(ctx: Context) -> int:
    """Store the replicate factors (a calibrated round's re-calibrated replicate weights) of
    every round with replicate variance whose design, weight set or responses changed since
    they were built (app.statistics.replicate_store); rounds built."""
    built = 0
    for round_ in await _rounds(ctx):
        if (round_.design_variance or "linearisation") == "linearisation":
            continue
        started = time.monotonic()
        form = ctx.catalogue.get(round_.form_code)
        if await keep(ctx.db.engine, round_, form, ctx.settings.timezone):
            built += 1
            seconds = time.monotonic() - started
            log_job(ctx, REPLICATES, "ok", 1, seconds, round=round_.code)
    return built
