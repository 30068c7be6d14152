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
from app.console.round_pages import RoundChangeDep, RoundView, attempt, round_view, show
from app.console.views import done
from app.deps import SessionDep, WriteSessionDep
from app.errors import AppError
from app.i18n import N_
from app.sampling.frames import frame_of, import_volumes
from app.sampling.listframe import dossier_summary, import_dossiers

router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)
KINDS = ["volumes", "dossiers"]
MSG_FILE = N_("Vui lòng chọn tệp CSV hoặc XLSX.")


async def _page(
    request: Request,
    session: AsyncSession,
    view: RoundView,
    form: Form | None = None,
    failure: AppError | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "frame": await frame_of(session, view.round),
        "dossiers": await dossier_summary(session, view.round.id, view.round.code),
        "values": {"kind": "volumes"},
    }
    return show(request, "console/round_frame.html", view, "frame", context, form, failure)


@router.get("/frame", response_class=HTMLResponse)
async def frame_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """The round's frame: N_h per unit and field, the listed dossiers, and the import form."""
    return await _page(request, session, await round_view(session, principal, round_code))


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
    if upload is None or not form.ok:
        return await _page(request, session, await round_view(session, principal, round_code), form)
    if kind == "volumes":
        call = import_volumes(session, change.actor, change.scope, upload.file)
    else:
        replace = form.get("replace") == "1"
        call = import_dossiers(session, change.actor, change.scope, upload.file, replace)
    result = await attempt(session, call)
    if isinstance(result, AppError):
        view = await round_view(session, principal, round_code)
        return await _page(request, session, view, form, result)
    return done(f"/console/rounds/{quote(round_code)}/frame", f"{kind}-imported")
