"""Console page of a round's frame: transaction volumes per unit (and procedure field), the
list frame of dossiers, and importing either from CSV/XLSX — all rows or none, the rejected
rows listed by line, column and reason (app.sampling.frames and .listframe do the work)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from app.auth.access import StaffViewer
from app.console.forms import Form
from app.console.round_pages import RoundChangeDep, RoundView, Step
from app.console.views import done
from app.deps import SessionDep, WriteSessionDep
from app.i18n import N_
from app.sampling.frames import frame_of, import_volumes
from app.sampling.listframe import dossier_summary, import_dossiers

router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)
KINDS = ["volumes", "dossiers"]
MSG_FILE = N_("Vui lòng chọn tệp CSV hoặc XLSX.")


async def _context(session: AsyncSession, view: RoundView) -> dict[str, Any]:
    return {
        "frame": await frame_of(session, view.round),
        "dossiers": await dossier_summary(session, view.round.id, view.round.code),
        "values": {"kind": "volumes"},
    }


FRAME = Step("console/round_frame.html", "frame", _context)


@router.get("/frame", response_class=HTMLResponse)
async def frame_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """The round's frame: N_h per unit and field, the listed dossiers, and the import form."""
    return await FRAME.page(request, session, principal, round_code)


async def _upload(request: Request, form: Form) -> UploadFile | None:
    sent = (await request.form()).get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        form.fail("file", MSG_FILE)
        return None
    return sent


@router.post("/frame/import", response_class=HTMLResponse)
async def frame_import(
    request: Request, round_code: str, changing: RoundChangeDep, session: WriteSessionDep
) -> Response:
    """Import volumes or a list of dossiers; any rejected row imports nothing (422 lists them)."""
    change, principal = changing
    form = await Form.read(request)
    kind = form.choice("kind", KINDS)
    upload = await _upload(request, form)
    call = None
    if upload is not None and form.ok and kind == "volumes":
        call = import_volumes(session, change.actor, change.scope, upload.file)
    elif upload is not None and form.ok:
        replace = form.get("replace") == "1"
        call = import_dossiers(session, change.actor, change.scope, upload.file, replace)
    url = f"/console/rounds/{quote(round_code)}/frame"
    return await FRAME.submit(
        request, session, principal, round_code, form, call, lambda _: done(url, f"{kind}-imported")
    )
