"""Making a frozen revision public (its open-data files written) or withdrawing it; audited.

Publishing grows with the data (it reads every unit's report of the revision and writes six
files of every unit), so a request enqueues a job (``public.publish``, one per revision:
asking again while it runs gives the same job) and the worker builds the files; the pages and
the files appear together, in the job's last transaction. Withdrawing deletes one row: it is
done in the request, and a publication still queued or running for that revision is called
off (the job fails with ``withdrawn``; a running one then writes nothing). ``set_public`` does
the same in the caller's session, for the CLI and the demo.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.errors import NotFound
from app.models import Job, PublicFile, PublicRevision, ReportSnapshot, Round, Unit
from app.models.base import as_utc, utcnow
from app.public.opendata import File, Meta, build_files
from app.public.service import open_data_url, revision_body
from app.reporting.jobs import Jobs, actor_params, job_actor
from app.reporting.snapshots import get_snapshot
from app.rounds.service import covered_unit_ids
from app.units.service import load_tree
from app.worker.jobs import ACTIVE, beat, enqueue, finish_values, handler
from app.worker.registry import Context

PUBLISH = "public.publish"
WITHDRAWN = "withdrawn before it was published"
finished_key = Job.key + "#" + cast(Job.id, String)  # frees the key, as finishing does
FILE_NAMES = (
    "datapackage.json",
    "units.csv",
    "indicators.csv",
    "units.json",
    "indicators.json",
    "revision.json",
)


@dataclass(frozen=True)
class Target:
    """A revision to publish: its round, its frozen figures, the round's top unit, and
    whether it is public already."""

    round: Round
    snapshot: ReportSnapshot
    top: Unit
    flag: PublicRevision | None


async def target_of(session: AsyncSession, round_: Round, revision: int) -> Target:
    """The revision (404 if the round has none such) and its round's top unit."""
    snapshot = await get_snapshot(session, round_, revision)
    assert snapshot is not None  # a revision number given: absent is NotFound
    tree = await load_tree(session)
    top = tree.common_ancestor(await covered_unit_ids(session, round_.id))
    if top is None:
        raise NotFound(f"round {round_.code} covers no unit")
    unit = await session.get(Unit, top.id)
    assert unit is not None
    flag = await session.get(PublicRevision, snapshot.id)
    return Target(round_, snapshot, unit, flag)


def files_of(
    target: Target, body: Any, published_at: datetime, base_url: str, licence: str
) -> list[File]:
    """The revision's open-data files (CPU only: run it off the event loop)."""
    round_, snapshot = target.round, target.snapshot
    meta = Meta(
        round_code=round_.code,
        round_name=round_.name,
        revision=snapshot.revision,
        content_hash=snapshot.content_hash,
        frozen_at=as_utc(snapshot.created_at).isoformat(),
        published_at=as_utc(published_at).isoformat(),
        base_url=open_data_url(base_url, round_.code, snapshot.revision),
        licence=licence,
        provisional=snapshot.provisional,
    )
    return build_files(meta, body, target.top.code)


async def store_public(
    session: AsyncSession, actor: Actor, target: Target, files: list[File], published_at: datetime
) -> PublicRevision:
    """The flag, the files and the audit event, in the caller's transaction."""
    snapshot = target.snapshot
    flag = PublicRevision(
        snapshot_id=snapshot.id,
        round_id=target.round.id,
        unit_id=target.top.id,
        published_by=actor.label,
        published_at=published_at,
    )
    session.add(flag)
    await session.flush()
    session.add_all(
        PublicFile(
            snapshot_id=snapshot.id,
            name=f.name,
            media_type=f.media_type,
            sha256=f.sha256,
            content=f.content,
        )
        for f in files
    )
    changes = {
        "revision": snapshot.revision,
        "public": [False, True],
        "content_hash": snapshot.content_hash,
        "files": {f.name: f.sha256 for f in files},
    }
    code = target.round.code
    await record(session, actor, "round.publish", "round", code, target.top.id, changes)
    return flag


async def withdraw(session: AsyncSession, actor: Actor, target: Target) -> None:
    """Withdraw the revision (its files go with the flag) and call off its publication if
    one is queued or running; audited if it was public."""
    snapshot = target.snapshot
    await session.execute(
        update(Job)
        .where(
            Job.kind == PUBLISH,
            Job.round_id == target.round.id,
            Job.variant == str(snapshot.revision),
            Job.status.in_(ACTIVE),
        )
        .values(status="failed", error=WITHDRAWN, finished_at=utcnow(), key=finished_key)
    )
    if target.flag is None:
        return
    await session.execute(delete(PublicRevision).where(PublicRevision.snapshot_id == snapshot.id))
    changes = {"revision": snapshot.revision, "public": [True, False]}
    code = target.round.code
    await record(session, actor, "round.unpublish", "round", code, target.top.id, changes)


async def set_public(
    session: AsyncSession,
    actor: Actor,
    round_: Round,
    revision: int,
    public: bool,
    base_url: str,
    licence: str,
) -> PublicRevision | None:
    """Publish or withdraw in the caller's session (the CLI, the demo: no request waits).
    Unchanged (already so): nothing written, the current state returned."""
    target = await target_of(session, round_, revision)
    if public == (target.flag is not None):
        return target.flag
    if not public:
        await withdraw(session, actor, target)
        return None
    published_at = utcnow()
    body = await revision_body(session, target.snapshot)
    files = files_of(target, body, published_at, base_url, licence)
    return await store_public(session, actor, target, files, published_at)


async def request_publish(jobs: Jobs, round_: Round, revision: int, actor: Actor) -> Job:
    """The job publishing the revision (queued, running, or finished if run here); 404 if
    the round has no such revision."""
    async with jobs.ctx.db.sessions() as session:
        await target_of(session, round_, revision)
    params = {"actor": actor_params(actor)}
    job = await enqueue(jobs.ctx.db, PUBLISH, round_.id, actor.label, str(revision), params)
    return await jobs.start(job)


def publish_result(
    base_url: str, target: Target, published_at: datetime, created: bool
) -> dict[str, Any]:
    base, code, rev = base_url.rstrip("/"), target.round.code, target.snapshot.revision
    return {
        "revision": rev,
        "published_at": as_utc(published_at).isoformat(),
        "page": f"{base}/public/{code}?revision={rev}",
        "files": {n: open_data_url(base, code, rev, n) for n in FILE_NAMES},
        "created": created,
    }


async def _round(session: AsyncSession, job: Job) -> Round:
    round_ = await session.get(Round, job.round_id)
    if round_ is None:  # pragma: no cover - the job is deleted with its round
        raise NotFound(f"round {job.round_id} is gone")
    return round_


@handler(PUBLISH)
async def run_publish(ctx: Context, job: Job) -> None:
    """Read the revision's reports, build its files off the event loop, then write the flag,
    the files, the audit event and the job's end in one transaction, unless the publication
    was withdrawn meanwhile (then nothing)."""
    settings, revision = ctx.settings, int(job.variant)
    async with ctx.db.sessions() as session:
        target = await target_of(session, await _round(session, job), revision)
        body = None if target.flag else await revision_body(session, target.snapshot)
    if target.flag is not None:  # public already: nothing to build
        result = publish_result(settings.public_base_url, target, target.flag.published_at, False)
        async with ctx.db.writing() as session:
            await session.execute(
                update(Job).where(Job.id == job.id).values(**finish_values(job, result))
            )
        return
    await beat(ctx.db, job.id, f"files 0/{len(FILE_NAMES)}")
    published_at = utcnow()
    base_url, licence = settings.public_base_url, settings.open_data_licence
    files = await asyncio.to_thread(files_of, target, body, published_at, base_url, licence)
    await beat(ctx.db, job.id, f"files {len(files)}/{len(FILE_NAMES)}")
    result = publish_result(settings.public_base_url, target, published_at, True)
    async with ctx.db.writing() as session:
        ending = update(Job).where(Job.id == job.id, Job.status == "running")
        ended = await session.execute(ending.values(**finish_values(job, result)))
        if ended.rowcount == 0:  # type: ignore[attr-defined]  # withdrawn meanwhile
            return
        if await session.get(PublicRevision, target.snapshot.id) is None:
            await store_public(session, job_actor(job.params), target, files, published_at)
