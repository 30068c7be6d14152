"""Console: make a frozen revision public (results pages and open data, no login) or
withdraw it, from the round's revisions page. Publishing is a background job (it builds the
open-data files: app.public.publishing); the page lists it with the round's other jobs and
reloads itself until it is done. Withdrawing is immediate."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.audit.service import Actor
from app.auth.access import actor_of
from app.console.forms import Form
from app.console.publishing import REVISIONS
from app.console.views import done
from app.deps import SessionDep
from app.errors import Conflict
from app.models import Round
from app.payload import RowId
from app.public.publishing import request_publish, target_of, withdraw
from app.reporting.jobs import Jobs
from app.reporting.jobs_router import JobsDep
from app.rounds.deps import RoundAdminEnqueue

router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)


@router.post("/revisions/{revision}/public", response_class=HTMLResponse)
async def toggle_public(
    request: Request,
    round_code: str,
    revision: RowId,
    target: RoundAdminEnqueue,
    session: SessionDep,
    jobs: JobsDep,
) -> Response:
    """Show a revision to everyone (``public=1``: in the background) or withdraw it
    (``public=0``)."""
    form = await Form.read(request)
    public = form.get("public") == "1"
    actor = actor_of(request, target.principal)
    url = f"/console/rounds/{quote(round_code)}/revisions"
    call = _change(jobs, target.round, revision, actor, public)
    return await REVISIONS.submit(
        request, session, target.principal, round_code, form, call, lambda key: done(url, key)
    )


async def _change(jobs: Jobs, round_: Round, revision: int, actor: Actor, public: bool) -> str:
    """What happened, as the page's message key."""
    if not public:
        async with jobs.ctx.db.writing() as session:
            await withdraw(session, actor, await target_of(session, round_, revision))
        return "revision-withdrawn"
    async with jobs.ctx.db.sessions() as session:
        if (await target_of(session, round_, revision)).flag is not None:
            return "revision-public"
    job = await request_publish(jobs, round_, revision, actor)
    if job.status == "failed":
        raise Conflict(job.error.removeprefix("refused: "))
    return "revision-public" if job.status == "done" else "publish-queued"
