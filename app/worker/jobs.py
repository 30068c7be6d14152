"""Jobs: work a request asks for and the background worker does (a freeze, a microdata file).

A request *enqueues* (one short transaction, ``enqueue``) and answers at once with the job's
status URL; a worker of any replica *claims* the oldest queued job (``FOR UPDATE SKIP LOCKED``
on PostgreSQL, so two replicas never take the same one; SQLite has one writer) and runs the
handler its kind names (``@handler``). The job's ``key`` is unique while it is queued or
running, so two requests for the same work get the same job; finishing appends ``#id`` to the
key. A running job beats a heartbeat with its progress; one whose worker died (no heartbeat
for ``LEASE``) is claimed again. Without a worker in the process (tests, a CLI command), the
caller runs the job itself through the same code (``run_now``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from app.db import Database, insert_ignore
from app.errors import AppError
from app.models import Job
from app.models.base import utcnow
from app.worker.loop import log_job
from app.worker.registry import Context, periodic

log = logging.getLogger("sipas.jobs")
RUN = "jobs.run"  # the periodic task that drains the queue
LEASE = timedelta(minutes=10)  # a running job without a heartbeat this long is claimed again
MAX_ATTEMPTS = 3
ACTIVE = ("queued", "running")
Handler = Callable[[Context, Job], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register ``run`` as what a job of ``kind`` does; it must finish the job (``finish``)."""

    def register(run: Handler) -> Handler:
        HANDLERS[kind] = run
        return run

    return register


def job_key(kind: str, round_id: int, variant: str = "") -> str:
    return f"{kind}:{round_id}:{variant}"


async def enqueue(
    db: Database,
    kind: str,
    round_id: int,
    requested_by: str,
    variant: str = "",
    params: dict[str, Any] | None = None,
) -> Job:
    """The queued or running job for this work, created if there is none (idempotent)."""
    key = job_key(kind, round_id, variant)
    values = {
        "kind": kind,
        "round_id": round_id,
        "variant": variant,
        "key": key,
        "params": params or {},
        "status": "queued",
        "progress": "",
        "attempts": 0,
        "error": "",
        "requested_by": requested_by,
        "created_at": utcnow(),
    }
    async with db.writing() as session:
        await session.execute(insert_ignore(session, Job, values))
        job = await session.scalar(select(Job).where(Job.key == key))
    if job is None:  # finished between the insert and the read: ask again
        return await enqueue(db, kind, round_id, requested_by, variant, params)
    return job


async def claim(db: Database, job_id: int | None = None) -> Job | None:
    """Take the oldest queued job (or ``job_id``), or a running one whose lease ran out."""
    lapsed = utcnow() - LEASE
    query = (
        select(Job)
        .where(
            or_(Job.status == "queued", (Job.status == "running") & (Job.heartbeat_at < lapsed)),
            Job.kind.in_(HANDLERS),
        )
        .order_by(Job.id)
        .limit(1)
    )
    if job_id is not None:
        query = query.where(Job.id == job_id)
    async with db.writing() as session:
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job = await session.scalar(query)
        if job is None:
            return None
        now = utcnow()
        job.status, job.started_at, job.heartbeat_at = "running", now, now
        job.attempts += 1
        job.progress = ""
    return job


async def beat(db: Database, job_id: int, progress: str) -> None:
    """Record the job's progress (and that its worker is alive)."""
    async with db.writing() as session:
        await session.execute(
            update(Job).where(Job.id == job_id).values(progress=progress, heartbeat_at=utcnow())
        )


def finish_values(
    job: Job, result: dict[str, Any], data_at: datetime | None = None
) -> dict[str, Any]:
    """The columns of a job done (to write in the handler's own last transaction)."""
    return {
        "status": "done",
        "result": result,
        "data_at": data_at,
        "finished_at": utcnow(),
        "key": f"{job.key}#{job.id}",
    }


async def _failed(db: Database, job: Job, error: str) -> None:
    again = job.attempts < MAX_ATTEMPTS and not error.startswith("refused:")
    values: dict[str, Any] = {"status": "queued", "error": error[:500]}
    if not again:
        values |= {"status": "failed", "finished_at": utcnow(), "key": f"{job.key}#{job.id}"}
    async with db.writing() as session:
        await session.execute(update(Job).where(Job.id == job.id).values(**values))


async def execute(ctx: Context, job: Job) -> str:
    """Run a claimed job with its handler; a refusal (AppError) fails it at once, another
    error is retried (at most ``MAX_ATTEMPTS`` runs). The outcome, for the log."""
    started, outcome, error = time.monotonic(), "ok", ""
    try:
        await HANDLERS[job.kind](ctx, job)
    except AppError as exc:
        outcome, error = "refused", f"refused: {exc}"
    except Exception as exc:  # the worker goes on with the next job
        outcome, error = "error", f"{type(exc).__name__}: {exc}"
    if error:
        await _failed(ctx.db, job, error)
    extra = {"job": job.id, "kind": job.kind, "round": job.round_id}
    log_job(ctx, RUN, outcome, 1, time.monotonic() - started, **extra)
    return outcome


async def run_now(ctx: Context, job_id: int) -> Job | None:
    """Run this job in the caller (no worker in the process); its state afterwards. A job
    another process is running is left to it."""
    job = await claim(ctx.db, job_id)
    if job is not None:
        await execute(ctx, job)
    return await get_job(ctx.db, job_id)


async def get_job(db: Database, job_id: int) -> Job | None:
    async with db.sessions() as session:
        return await session.get(Job, job_id)


async def run_pending(ctx: Context, limit: int = 10) -> int:
    """Claim and run queued jobs one after the other (at most ``limit``); how many ran."""
    done = 0
    while done < limit:
        job = await claim(ctx.db)
        if job is None:
            break
        await execute(ctx, job)
        done += 1
    return done


@periodic(RUN, every=2.0, timeout=3600.0)
async def run_task(ctx: Context) -> int:
    """Queued jobs (freezes, microdata files); jobs run."""
    return await run_pending(ctx)
