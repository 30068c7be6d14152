"""Freezing a round and building its microdata file as background jobs (app.worker.jobs).

Both grow with the data (a freeze reads every response and writes every unit's report in two
languages; a microdata file holds every response), so a request only checks what is cheap
(scope, the round's state), enqueues the job and answers with its status URL; the worker does
the work and the result is served when ready: the freeze's revision, or the file (kept in the
job's row and served again until the round's figures change: ``data_changed_at``). Without
a worker in the process (tests, the CLI) the request runs the job itself, through this code.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.auth.principal import Principal
from app.errors import Conflict, NotFound
from app.models import Job, Round
from app.models.base import as_utc
from app.reporting.changes import data_changed_at
from app.reporting.microdata.files import MEDIA, SUFFIX, MicroFormat, render_microdata
from app.reporting.microdata.table import round_microdata
from app.reporting.service import report_target
from app.reporting.snapshots import check_freezable, round_reports, store_revision
from app.worker.jobs import RUN, beat, enqueue, finish_values, get_job, handler, run_now
from app.worker.loop import Worker
from app.worker.registry import Context

FREEZE = "reporting.freeze"
MICRODATA = "reporting.microdata"
PROVISIONAL = "provisional"  # the freeze job's variant for a provisional revision


@dataclass(frozen=True)
class Jobs:
    """What a request needs to hand work to the worker: its context, and the process's
    worker (None or stopped: the request runs the job itself)."""

    ctx: Context
    worker: Worker | None

    async def start(self, job: Job) -> Job:
        """Wake the worker for ``job``, or run it here; the job as it is now."""
        if self.worker is not None and self.worker.running:
            self.worker.wake(RUN)
            return job
        return await run_now(self.ctx, job.id) or job


def actor_params(actor: Actor) -> dict[str, Any]:
    """The actor as a job's params keep it (JSON)."""
    return {"label": actor.label, "user_id": actor.user_id, "client_hash": actor.client_hash}


def job_actor(params: dict[str, Any]) -> Actor:
    """The actor a job's params keep (audited as the one who asked)."""
    raw = params.get("actor") or {}
    return Actor(str(raw.get("label", "cli")), raw.get("user_id"), raw.get("client_hash"))


async def request_freeze(
    jobs: Jobs, round_: Round, actor: Actor, note: str, provisional: bool = False
) -> Job:
    """The freeze job of the round (queued, running, or done if run here); 409 when the round
    cannot be frozen. Asking while one is queued or running returns that one."""
    check_freezable(jobs.ctx.catalogue, round_, provisional)
    variant = PROVISIONAL if provisional else ""
    params = {"note": note, "actor": actor_params(actor)}
    job = await enqueue(jobs.ctx.db, FREEZE, round_.id, actor.label, variant, params)
    return await jobs.start(job)


@handler(FREEZE)
async def run_freeze(ctx: Context, job: Job) -> None:
    """Read every unit's report (progress: units done), then write the revision and finish
    the job in one transaction."""

    async def told(done: int, total: int) -> None:
        await beat(ctx.db, job.id, f"{done}/{total}")

    provisional = job.variant == PROVISIONAL
    async with ctx.db.sessions() as session:
        round_ = await _round(session, job)
        check_freezable(ctx.catalogue, round_, provisional)
        reports = await round_reports(session, ctx.catalogue, round_, ctx.settings, told)
    async with ctx.db.writing() as session:
        round_ = await _round(session, job)
        check_freezable(ctx.catalogue, round_, provisional)
        note, actor = str(job.params.get("note", "")), job_actor(job.params)
        snapshot, created = await store_revision(session, actor, round_, note, reports, provisional)
        result = {
            "revision": snapshot.revision,
            "content_hash": snapshot.content_hash,
            "frozen_at": as_utc(snapshot.created_at).isoformat(),
            "created_by": snapshot.created_by,
            "note": snapshot.note,
            "provisional": snapshot.provisional,
            "units": len(reports.unit_ids),
            "created": created,
        }
        await session.execute(
            update(Job).where(Job.id == job.id).values(**finish_values(job, result))
        )


async def _round(session: AsyncSession, job: Job) -> Round:
    round_ = await session.get(Round, job.round_id)
    if round_ is None:  # pragma: no cover - the job is deleted with its round
        raise NotFound(f"round {job.round_id} is gone")
    return round_


@dataclass(frozen=True)
class MicrodataFile:
    body: bytes
    name: str
    media_type: str


async def request_microdata(
    session: AsyncSession, jobs: Jobs, round_code: str, principal: Principal, fmt: MicroFormat
) -> MicrodataFile | Job:
    """The round's microdata in ``fmt`` if built since its figures last changed; else the
    job building it (queued, running or failed). The reader must see every unit of the
    round (the design's strata and PSUs span them)."""
    target = await report_target(session, jobs.ctx.catalogue, round_code, None, principal)
    instrument = target.form.instrument
    if instrument.aggregation.is_points:
        raise Conflict(f"{instrument.code} is scored in points: microdata cover shares only")
    changed = await data_changed_at(session, target.round)
    found = await _built(jobs, target.round.id, fmt, changed)
    if found is not None:
        return found
    job = await enqueue(jobs.ctx.db, MICRODATA, target.round.id, principal.label, variant=fmt)
    job = await jobs.start(job)
    if job.status == "done":
        return await job_file(jobs, job.id)
    return job


async def _built(jobs: Jobs, round_id: int, fmt: str, changed: Any) -> MicrodataFile | None:
    async with jobs.ctx.db.sessions() as session:  # a fresh read: jobs commit elsewhere
        latest = await session.scalar(
            select(Job)
            .where(
                Job.round_id == round_id,
                Job.kind == MICRODATA,
                Job.variant == fmt,
                Job.status == "done",
            )
            .order_by(Job.id.desc())
            .limit(1)
        )
    if latest is None or latest.data_at is None or as_utc(latest.data_at) < changed:
        return None
    return await job_file(jobs, latest.id)


async def job_file(jobs: Jobs, job_id: int) -> MicrodataFile:
    """The file a done microdata job built (404 if it has none, or no longer)."""
    async with jobs.ctx.db.sessions() as session:
        row = (
            await session.execute(select(Job.content, Job.result).where(Job.id == job_id))
        ).one_or_none()
    if row is None or row[0] is None or not row[1]:
        raise NotFound(f"job {job_id} has no file")
    return MicrodataFile(row[0], str(row[1]["name"]), str(row[1]["media_type"]))


@handler(MICRODATA)
async def run_microdata(ctx: Context, job: Job) -> None:
    """Read the responses, render the file off the event loop, store it with the moment the
    figures it reflects last changed; earlier files of the same format are dropped."""
    fmt: MicroFormat = job.variant  # type: ignore[assignment]
    async with ctx.db.sessions() as session:
        round_ = await _round(session, job)
        data_at = await data_changed_at(session, round_)
        target = await report_target(session, ctx.catalogue, round_.code, None, None)
        instrument = target.form.instrument
        await beat(ctx.db, job.id, "reading")
        data = await round_microdata(
            session, round_, instrument, target.tree, ctx.settings.timezone
        )
    await beat(ctx.db, job.id, f"writing {len(data.rows)}")
    body = await asyncio.to_thread(render_microdata, data, fmt)  # CPU: off the event loop
    result = {
        "name": f"sipas-{round_.code}-microdata.{SUFFIX[fmt]}",
        "media_type": MEDIA[fmt],
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "responses": len(data.rows),
    }
    async with ctx.db.writing() as session:
        await session.execute(
            update(Job)
            .where(Job.round_id == job.round_id, Job.kind == MICRODATA, Job.variant == fmt)
            .where(Job.status == "done")
            .values(content=None)
        )
        await session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(content=body, **finish_values(job, result, data_at))
        )


async def job_for(
    session: AsyncSession, jobs: Jobs, job_id: int, principal: Principal
) -> tuple[Job, str]:
    """(job, its round's code) if the principal may see it (a viewer of the round's whole
    coverage), else 404/403."""
    job = await get_job(jobs.ctx.db, job_id)
    if job is None:
        raise NotFound(f"job {job_id} does not exist")
    round_ = await session.get(Round, job.round_id)
    if round_ is None:  # pragma: no cover
        raise NotFound(f"job {job_id} does not exist")
    await report_target(session, jobs.ctx.catalogue, round_.code, None, principal)
    return job, round_.code


RECENT_JOBS = 10


async def recent_jobs(session: AsyncSession, round_id: int) -> list[Job]:
    """The round's latest jobs (newest first), for the console's progress."""
    query = select(Job).where(Job.round_id == round_id).order_by(Job.id.desc()).limit(RECENT_JOBS)
    return list((await session.scalars(query)).all())
