"""Console: make a frozen revision public (results pages and open data, no login) or
withdraw it, from the round's revisions page; app.public.service does the work, audited."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.console.forms import Form
from app.console.publishing import REVISIONS
from app.console.round_pages import RoundChangeDep
from app.console.views import done
from app.deps import WriteSessionDep
from app.models import PublicRevision
from app.payload import RowId
from app.public.service import set_public

router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)


@router.post("/revisions/{revision}/public", response_class=HTMLResponse)
async def toggle_public(
    request: Request,
    round_code: str,
    revision: RowId,
    changing: RoundChangeDep,
    session: WriteSessionDep,
) -> Response:
    """Show a revision to everyone (``public=1``) or withdraw it (``public=0``)."""
    change, principal = changing
    form = await Form.read(request)
    public = form.get("public") == "1"
    settings = request.app.state.settings
    call = set_public(
        session,
        change.actor,
        change.scope.round,
        revision,
        public,
        settings.public_base_url,
        settings.open_data_licence,
    )
    url = f"/console/rounds/{quote(round_code)}/revisions"

    def shown(flag: PublicRevision | None) -> Response:
        return done(url, "revision-public" if flag is not None else "revision-withdrawn")

    return await REVISIONS.submit(request, session, principal, round_code, form, call, shown)
