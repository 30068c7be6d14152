"""Console page of a round's published figures: freeze them as the next revision (the report
of every unit, with its content hash; the round becomes published) and list the revisions.
app.reporting.snapshots does the work, as the API's freeze does; it refuses a round that is
not closed yet. The form asks the user to confirm, since a published round cannot reopen."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import StaffViewer
from app.console.forms import Form
from app.console.round_pages import RoundChangeDep, RoundView, Step
from app.console.views import done
from app.deps import CatalogueDep, SessionDep, WriteSessionDep
from app.i18n import N_
from app.models import ReportSnapshot
from app.public.service import public_flags
from app.reporting.snapshots import freeze_round, list_revisions

router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)
NOTE_MAX = 500  # as the API's FreezeIn
MSG_CONFIRM = N_("Hãy đánh dấu ô xác nhận: số liệu sẽ được công bố và chốt lại.")


async def _context(session: AsyncSession, view: RoundView) -> dict[str, Any]:
    return {
        "revisions": await list_revisions(session, view.round),
        "public": await public_flags(session, view.round.id),
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
    changing: RoundChangeDep,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
) -> Response:
    """Freeze the figures as the next revision and publish the round (unchanged: nothing new)."""
    change, principal = changing
    form = await Form.read(request)
    note = form.text("note", NOTE_MAX, required=False)
    if form.get("confirm") != "1":
        form.fail("confirm", MSG_CONFIRM)
    call = None
    if form.ok:
        settings = request.app.state.settings
        call = freeze_round(session, catalogue, change.actor, change.scope.round, note, settings)
    url = f"/console/rounds/{quote(round_code)}/revisions"

    def shown(frozen: tuple[ReportSnapshot, bool]) -> Response:
        return done(url, "round-frozen" if frozen[1] else "freeze-unchanged")

    return await REVISIONS.submit(request, session, principal, round_code, form, call, shown)
