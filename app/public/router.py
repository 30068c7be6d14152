"""Open data (no login): each public revision's files at stable URLs, and a feed of them;
and the staff API that makes a frozen revision public or withdraws it (audited)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.auth.access import actor_of, public_access
from app.config import Settings
from app.deps import SessionDep
from app.errors import Conflict
from app.models import PublicRevision
from app.models.base import as_utc
from app.payload import RowId
from app.public.publishing import FILE_NAMES, request_publish, target_of, withdraw
from app.public.service import (
    Public,
    open_data_url,
    public_file,
    public_revision,
    public_revisions,
)
from app.reporting.http import conditional
from app.reporting.jobs_router import JobOut, JobsDep, job_out
from app.rounds.deps import RoundAdminEnqueue

router = APIRouter(tags=["open data"], dependencies=[Depends(public_access)])
staff_router = APIRouter(prefix="/api/v1", tags=["publishing"])
IMMUTABLE = "public, max-age=86400"
FEED_CACHE = "public, max-age=60"


class PublicIn(BaseModel):
    public: bool = Field(description="true: show this revision to everyone; false: withdraw it")


class PublicOut(BaseModel):
    revision: int
    public: bool = Field(description="Public now (false while its publication is queued)")
    published_at: datetime | None
    page: str | None = Field(description="The public province page of this revision")
    files: dict[str, str] = Field(description="Open-data file name -> its URL")
    job: JobOut | None = Field(
        description="The job publishing it (its status at ``Location``), when one was asked"
    )


PUBLIC_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"model": PublicOut, "description": "Publication queued: follow the job (Location)"}
}


def _public_out(
    settings: Settings, code: str, revision: int, flag: PublicRevision | None, job: JobOut | None
) -> PublicOut:
    base = settings.public_base_url.rstrip("/")
    return PublicOut(
        revision=revision,
        public=flag is not None,
        published_at=as_utc(flag.published_at) if flag else None,
        page=f"{base}/public/{code}?revision={revision}" if flag else None,
        files={n: open_data_url(base, code, revision, n) for n in FILE_NAMES} if flag else {},
        job=job,
    )


@staff_router.put(
    "/rounds/{round_code}/revisions/{revision}/public",
    response_model=PublicOut,
    responses=PUBLIC_RESPONSES,
)
async def put_public(
    request: Request,
    revision: RowId,
    body: PublicIn,
    session: SessionDep,
    target: RoundAdminEnqueue,
    jobs: JobsDep,
) -> JSONResponse:
    """Make a frozen revision public (pages and open data, no login) or withdraw it.
    Publishing builds the open-data files in the background: 202 with the job's status URL
    (``Location``); the pages and files appear when it is done. Already public: 200 at once.
    Withdrawing is immediate (and calls off a publication still queued)."""
    settings, round_ = request.app.state.settings, target.round
    actor = actor_of(request, target.principal)
    found = await target_of(session, round_, revision)
    if not body.public or found.flag is not None:
        if not body.public:
            async with jobs.ctx.db.writing() as writing:
                await withdraw(writing, actor, await target_of(writing, round_, revision))
        flag = None if not body.public else found.flag
        out = _public_out(settings, round_.code, revision, flag, None)
        return JSONResponse(out.model_dump(mode="json"))
    job = await request_publish(jobs, round_, revision, actor)
    if job.status == "failed":
        raise Conflict(job.error.removeprefix("refused: "))
    async with jobs.ctx.db.sessions() as fresh:  # the job committed elsewhere
        flag = await fresh.get(PublicRevision, found.snapshot.id)
    out = _public_out(settings, round_.code, revision, flag, job_out(job, round_.code))
    headers = {"Location": f"/api/v1/jobs/{job.id}"}
    if job.status in ("queued", "running"):
        headers["Retry-After"] = "2"
        return JSONResponse(out.model_dump(mode="json"), status_code=202, headers=headers)
    return JSONResponse(out.model_dump(mode="json"), headers=headers)


@router.get("/open-data/{round_code}/{revision}/{name}")
async def open_data_file(
    request: Request, round_code: str, revision: RowId, name: str, session: SessionDep
) -> Response:
    """One file of a public revision (CSV, JSON, datapackage.json); never changes."""
    public = await public_revision(session, round_code, revision)
    found = await public_file(session, public, name)
    headers = {
        "Cache-Control": IMMUTABLE,
        "Access-Control-Allow-Origin": "*",
        "Content-Disposition": f'inline; filename="{round_code}-r{revision}-{name}"',
    }
    return conditional(
        request,
        found.content,
        public.flag.published_at,
        found.media_type,
        headers,
        etag=f'"{found.sha256}"',
    )


def _item(base: str, p: Public) -> dict[str, Any]:
    code, rev = p.round.code, p.snapshot.revision
    package = open_data_url(base, code, rev, "datapackage.json")
    kind = "provisional, " if p.snapshot.provisional else ""
    what = "Provisional results (round still collecting)" if kind else "Published results"
    return {
        "id": package,
        "url": f"{base}/public/{code}?revision={rev}",
        "title": f"{p.round.name} — {p.top.name} ({kind}revision {rev})",
        "content_text": f"{what} of round {code}, revision {rev}; "
        f"SHA-256 {p.snapshot.content_hash}.",
        "date_published": as_utc(p.flag.published_at).isoformat(),
        "tags": [code, "provisional"] if kind else [code],
        "attachments": [
            {"url": package, "mime_type": "application/json", "title": "datapackage.json"},
            {"url": open_data_url(base, code, rev, "units.csv"), "mime_type": "text/csv"},
            {
                "url": open_data_url(base, code, rev, "revision.json"),
                "mime_type": "application/json",
            },
        ],
        "_sipas": {
            "round": code,
            "revision": rev,
            "provisional": p.snapshot.provisional,
            "content_hash": p.snapshot.content_hash,
        },
    }


FEED_DOC: dict[int | str, dict[str, Any]] = {
    200: {"description": "JSON Feed 1.1", "content": {"application/feed+json": {}}}
}


@router.get("/open-data/feed.json", response_class=Response, responses=FEED_DOC)
async def feed(request: Request, session: SessionDep) -> Response:
    """Every public revision, newest first, as a JSON Feed 1.1."""
    base = request.app.state.settings.public_base_url.rstrip("/")
    published = await public_revisions(session)
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "SIPAS — published results",
        "home_page_url": f"{base}/public",
        "feed_url": f"{base}/open-data/feed.json",
        "language": "vi",
        "items": [_item(base, p) for p in published],
    }
    content = json.dumps(body, ensure_ascii=False, indent=1).encode()
    latest = max((p.flag.published_at for p in published), default=None)
    headers = {"Cache-Control": FEED_CACHE, "Access-Control-Allow-Origin": "*"}
    return conditional(request, content, latest, "application/feed+json", headers)
