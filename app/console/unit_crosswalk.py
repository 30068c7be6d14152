"""Console: applying a crosswalk (the official old → new list) — upload, preview of the
events it would record (or every problem), confirm. As the units import: the preview is the
service's dry run, the file travels back sealed for this user, and the service checks it all
again when it applies it, all or nothing (app/imports/crosswalk.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import TimestampSigner

from app.auth.access import StaffAdmin, StaffAdminWrite, actor_of
from app.auth.principal import Principal
from app.console.unit_import import MSG_STALE, _uploaded, seal, unseal, upload_page
from app.deps import WriteSessionDep
from app.imports.crosswalk import import_crosswalk
from app.imports.csvfile import ImportResult

router = APIRouter(include_in_schema=False)  # under /console/units (units.py includes it)
PREVIEW_ROWS = 2000


def _signer(request: Request) -> TimestampSigner:
    return TimestampSigner(request.app.state.settings.secret_key, salt="sipas.units-crosswalk")


def _page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    return upload_page(request, "console/unit_crosswalk.html", status_code, **context)


def _preview(
    request: Request, principal: Principal, result: ImportResult, data: bytes, filename: str
) -> HTMLResponse:
    changing = any(row["action"] != "unchanged" for row in result.preview)
    valid = changing and not result.error_count
    return _page(
        request,
        422 if result.error_count else 200,
        result=result,
        filename=filename,
        sealed=seal(_signer(request), principal, data) if valid else None,
    )


@router.get("/crosswalk/import", response_class=HTMLResponse)
async def crosswalk_page(request: Request, principal: StaffAdmin) -> HTMLResponse:
    """The form to upload a crosswalk (old_code,new_code,share,date) for a preview."""
    return _page(request)


@router.post("/crosswalk/import", response_class=HTMLResponse)
async def post_crosswalk(
    request: Request, principal: StaffAdminWrite, session: WriteSessionDep
) -> Response:
    """Preview an uploaded crosswalk (a dry run), or apply a previewed one (``sealed``)."""
    form = await request.form()
    actor = actor_of(request, principal)
    sealed = form.get("sealed")
    if isinstance(sealed, str):
        data = unseal(_signer(request), principal, sealed)
        if data is None:
            return _page(request, 422, errors={"file": MSG_STALE})
        result = await import_crosswalk(session, actor, data, principal=principal)
        if not result.written:  # something changed since the preview: what it would do now
            return _preview(request, principal, result, data, "")
        return RedirectResponse("/console/units/events?crosswalk=1", status_code=303)
    data, filename, problem = await _uploaded(form)
    if data is None:
        return _page(request, 422, errors={"file": problem}, filename=filename)
    result = await import_crosswalk(
        session, actor, data, principal=principal, dry_run=True, preview=PREVIEW_ROWS
    )
    return _preview(request, principal, result, data, filename)
