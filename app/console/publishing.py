"""Console page of a round's published figures: freeze them as the next revision (the report
of every unit, with its content hash; the round becomes published) and list the revisions.
app.reporting.snapshots does the work, as the API's freeze does; it refuses a round that is
not closed yet. The form asks the user to confirm, since a published round cannot reopen.
The freeze, the publication of a revision and the microdata files are background jobs
(app.reporting.jobs, app.public.publishing): the page lists the round's recent jobs with their
progress, how long each waited and ran, and reloads itself while one is running."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.auth.access import StaffViewer, actor_of
from app.console.forms import Form
from app.console.round_pages import RoundView, Step
from app.console.views import done
from app.deps import SessionDep
from app.errors import Conflict
from app.i18n import N_
from app.models import Job, Round
from app.public.service import public_flags
from app.reporting.jobs import Jobs, recent_jobs, request_freeze
from app.reporting.jobs_router import JobsDep, job_timing
from app.reporting.snapshots import list_revisions
from app.rounds.deps import RoundAdminEnqueue

router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)
NOTE_MAX = 500  # as the API's FreezeIn
MSG_CONFIRM = N_("Hãy đánh dấu ô xác nhận: số liệu sẽ được công bố và chốt lại.")


async def _context(session: AsyncSession, view: RoundView) -> dict[str, Any]:
    jobs = await recent_jobs(session, view.round.id)
    return {
        "revisions": await list_revisions(session, view.round),
        "public": await public_flags(session, view.round.id),
        "jobs": jobs,
        "timings": {job.id: job_timing(job) for job in jobs},
        "working": any(job.status in ("queued", "running") for job in jobs),
    }


REVISIONS = Step("console/round_revisions.html", "revisions", _context)


@router.get("/revisions", response_class=HTMLResponse)
async def revisions_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """The round's published revisions (newest first, with content hashes) and the freeze."""
    return await REVISIONS.page(request, session, principal, round_code)


@router.post("/freeze", response_class=HTMLResponse)
async def freeze(
    request: Request,
    round_code: str,
    target: RoundAdminEnqueue,
    session: SessionDep,
    jobs: JobsDep,
) -> Response:
    """Freeze the figures as the next revision and publish the round, in the background (the
    page shows the job's progress); unchanged figures: nothing new."""
    form = await Form.read(request)
    note = form.text("note", NOTE_MAX, required=False)
    if form.get("confirm") != "1":
        form.fail("confirm", MSG_CONFIRM)
    call = None
    if form.ok:
        actor = actor_of(request, target.principal)
        call = _freeze(jobs, target.round, actor, note, form.get("provisional") == "1")
    url = f"/console/rounds/{quote(round_code)}/revisions"

    def shown(job: Job) -> Response:
        if job.status != "done":
            return done(url, "freeze-queued")
        created = bool((job.result or {}).get("created"))
        return done(url, "round-frozen" if created else "freeze-unchanged")

    return await REVISIONS.submit(request, session, target.principal, round_code, form, call, shown)


async def _freeze(jobs: Jobs, round_: Round, actor: Actor, note: str, provisional: bool) -> Job:
    job = await request_freeze(jobs, round_, actor, note, provisional)
    if job.status == "failed":
        raise Conflict(job.error.removeprefix("refused: "))
    return job
