"""Jobs over HTTP: a job's status (``Location`` of a 202) and the file a finished job built."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.auth.access import ApiReader
from app.deps import SessionDep
from app.models import Job
from app.models.base import as_utc
from app.payload import BigRowId
from app.reporting.jobs import FREEZE, MICRODATA, Jobs, MicrodataFile, job_file, job_for
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


class JobOut(BaseModel):
    id: int
    kind: Literal["reporting.freeze", "reporting.microdata"]
    round: str
    format: str | None = Field(description="The microdata file's format")
    status: Literal["queued", "running", "done", "failed"]
    progress: str = Field(description="What a running job is doing (e.g. units done/all)")
    error: str | None
    result: dict[str, Any] | None = Field(
        description="freeze: the revision (revision, content_hash, created, ...); microdata: "
        "the file (name, bytes, sha256, responses)"
    )
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    data_at: datetime | None = Field(description="When the figures the result reflects changed")
    url: str = Field(description="This status")
    file_url: str | None = Field(description="The file, once a microdata job is done")


def _moment(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def job_out(job: Job, round_code: str) -> JobOut:
    url = f"/api/v1/jobs/{job.id}"
    has_file = job.kind != FREEZE and job.status == "done"
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
