"""Jobs over HTTP: a job's status (``Location`` of a 202) and the file a finished job built."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.auth.access import ApiReader
from app.deps import SessionDep
from app.models import Job
from app.models.base import as_utc, utcnow
from app.payload import BigRowId
from app.reporting.jobs import MICRODATA, Jobs, MicrodataFile, job_file, job_for
from app.reporting.microdata.files import MEDIA
from app.worker.registry import Context

router = APIRouter(prefix="/api/v1", tags=["reporting"])
ACTIVE = ("queued", "running")


async def _jobs(request: Request) -> Jobs:
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        return Jobs(worker.ctx, worker)
    state = request.app.state
    return Jobs(Context(state.db, state.settings, state.catalogue), None)


JobsDep = Annotated[Jobs, Depends(_jobs)]


class JobTiming(BaseModel):
    """How long the job waited and ran, in seconds (a job still queued or running: so far)."""

    queued_at: datetime = Field(description="When it was asked for (created_at)")
    started_at: datetime | None = Field(description="When a worker took it (its last attempt)")
    finished_at: datetime | None
    wait_seconds: float = Field(description="Queued until started (or until now)")
    run_seconds: float | None = Field(description="Started until finished (or until now)")
    duration_seconds: float | None = Field(description="Asked until finished (done or failed)")
    attempts: int = Field(description="Runs so far (a worker that died is replaced, up to 3)")
    done: int | None = Field(description="Progress: steps done, where the job counts them")
    total: int | None = Field(description="Progress: steps in all (e.g. the round's units)")
    percent: float | None = Field(description="done / total, in percent")


class JobOut(BaseModel):
    id: int
    kind: Literal["reporting.freeze", "reporting.microdata", "public.publish"]
    round: str
    format: str | None = Field(description="The microdata file's format")
    status: Literal["queued", "running", "done", "failed"]
    progress: str = Field(description="What a running job is doing (e.g. units done/all)")
    error: str | None
    result: dict[str, Any] | None = Field(
        description="freeze: the revision (revision, content_hash, created, ...); microdata: "
        "the file (name, bytes, sha256, responses); publish: the public page and open-data "
        "files (revision, published_at, page, files, created)"
    )
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    data_at: datetime | None = Field(description="When the figures the result reflects changed")
    timing: JobTiming
    url: str = Field(description="This status")
    file_url: str | None = Field(description="The file, once a microdata job is done")


def _moment(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def job_timing(job: Job, now: datetime | None = None) -> JobTiming:
    """The job's times, from its row (``progress`` ``"… done/total"`` gives the counts)."""
    now = now or utcnow()
    queued, started = as_utc(job.created_at), _moment(job.started_at)
    finished = _moment(job.finished_at)
    if job.status == "queued":  # also a job queued again after a failed attempt
        started = None
    end = finished or as_utc(now)
    done, total = progress_counts(job.progress)
    return JobTiming(
        queued_at=queued,
        started_at=started,
        finished_at=finished,
        wait_seconds=_seconds((started or end) - queued),
        run_seconds=_seconds(end - started) if started else None,
        duration_seconds=_seconds(finished - queued) if finished else None,
        attempts=job.attempts,
        done=done,
        total=total,
        percent=round(100 * done / total, 1) if done is not None and total else None,
    )


def _seconds(delta: timedelta) -> float:
    return round(max(delta.total_seconds(), 0.0), 3)


PROGRESS = re.compile(r"(\d+)/(\d+)\s*$")


def progress_counts(progress: str) -> tuple[int | None, int | None]:
    """(done, total) of a progress ending in ``done/total`` ("12/400", "files 3/6")."""
    found = PROGRESS.search(progress or "")
    return (int(found[1]), int(found[2])) if found else (None, None)


def job_out(job: Job, round_code: str) -> JobOut:
    url = f"/api/v1/jobs/{job.id}"
    has_file = job.kind == MICRODATA and job.status == "done"
    return JobOut(
        id=job.id,
        kind=job.kind,
        round=round_code,
        format=job.variant if job.kind == MICRODATA else None,
        status=job.status,
        progress=job.progress,
        error=job.error or None,
        result=job.result,
        requested_by=job.requested_by,
        created_at=as_utc(job.created_at),
        started_at=_moment(job.started_at),
        finished_at=_moment(job.finished_at),
        data_at=_moment(job.data_at),
        timing=job_timing(job),
        url=url,
        file_url=f"{url}/file" if has_file else None,
    )


def job_response(job: Job, round_code: str) -> JSONResponse:
    """202 with ``Location`` and ``Retry-After`` while the job is queued or running; 200 once
    it is finished (done or failed), still with ``Location``."""
    body = job_out(job, round_code).model_dump(mode="json")
    headers = {"Location": body["url"]}
    if job.status in ACTIVE:
        headers["Retry-After"] = "2"
        return JSONResponse(body, status_code=202, headers=headers)
    return JSONResponse(body, headers=headers)


def file_response(found: MicrodataFile) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{found.name}"'}
    return Response(found.body, media_type=found.media_type, headers=headers)


@router.get("/jobs/{job_id}", response_model=JobOut)
async def get_job_status(
    job_id: BigRowId, session: SessionDep, jobs: JobsDep, principal: ApiReader
) -> JSONResponse:
    """A job's status: queued, running (with its progress), done (with its result) or failed."""
    job, round_code = await job_for(session, jobs, job_id, principal)
    return job_response(job, round_code)


@router.get(
    "/jobs/{job_id}/file",
    responses={200: {"content": {m: {} for m in set(MEDIA.values())}, "description": "The file"}},
)
async def get_job_file(
    job_id: BigRowId, session: SessionDep, jobs: JobsDep, principal: ApiReader
) -> Response:
    """The file a finished microdata job built (404 before, or once a newer one replaced it)."""
    await job_for(session, jobs, job_id, principal)
    return file_response(await job_file(jobs, job_id))
