"""Console: importing units from a CSV or XLSX file — upload, preview, confirm.

The preview is the import service's dry run. The file goes back with the confirmation as a
signed hidden field (bound to the user, valid for an hour): confirming applies exactly the
file that was previewed, and a tampered or expired one is refused. The service checks every
row again when it writes, all rows or none. Both steps post to ``/console/units/import``, the
path the body limit lets a file through.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from itsdangerous import BadSignature, TimestampSigner
from starlette.datastructures import FormData, UploadFile

from app.auth.access import StaffAdmin, StaffAdminWrite, actor_of
from app.auth.principal import Principal
from app.console.views import done, render
from app.deps import WriteSessionDep
from app.i18n import N_, Message
from app.imports.csvfile import ImportResult
from app.imports.units import import_units

router = APIRouter(include_in_schema=False)  # under /console/units (units.py includes it)
MAX_FILE_BYTES = 512 * 1024  # a province's units are a few thousand rows; sealed, < 1 MB
PREVIEW_ROWS = 2000
SEALED_SECONDS = 3600
MSG_NO_FILE = N_("Vui lòng chọn tệp CSV hoặc XLSX.")
MSG_STALE = N_("Bản xem trước đã hết hạn hoặc không hợp lệ. Vui lòng tải tệp lên lại.")


def _signer(request: Request) -> TimestampSigner:
    return TimestampSigner(request.app.state.settings.secret_key, salt="sipas.units-import")


def seal(signer: TimestampSigner, principal: Principal, data: bytes) -> str:
    """The file, compressed and signed for this user, to travel in a hidden field."""
    packed = base64.urlsafe_b64encode(zlib.compress(data)).decode("ascii")
    return signer.sign(f"{principal.id}:{packed}").decode("ascii")


def unseal(signer: TimestampSigner, principal: Principal, sealed: str) -> bytes | None:
    """The file sealed for this user within the hour; None if forged, foreign or stale."""
    try:
        value = signer.unsign(sealed, max_age=SEALED_SECONDS).decode("ascii")
        owner, _, packed = value.partition(":")
        if owner != str(principal.id):
            return None
        return zlib.decompress(base64.urlsafe_b64decode(packed))
    except (BadSignature, UnicodeError, binascii.Error, zlib.error):
        return None


def upload_page(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """An upload-preview-confirm page (the units import, the crosswalk) with its defaults."""
    defaults: dict[str, Any] = {
        "errors": {},
        "result": None,
        "sealed": None,
        "filename": "",
        "max_kb": MAX_FILE_BYTES // 1024,
    }
    return render(request, template, {**defaults, **context}, status_code)


def _page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    return upload_page(request, "console/unit_import.html", status_code, **context)


def _preview(
    request: Request, principal: Principal, result: ImportResult, data: bytes, filename: str
) -> HTMLResponse:
    """What the file would do; the confirmation form only if it is valid and changes
    something."""
    changes = [row for row in result.preview if row["action"] != "unchanged"]
    changing = bool(changes) and not result.error_count
    return _page(
        request,
        422 if result.error_count else 200,
        result=result,
        changes=changes,
        shown_rows=PREVIEW_ROWS,
        filename=filename,
        sealed=seal(_signer(request), principal, data) if changing else None,
    )


async def _uploaded(form: FormData) -> tuple[bytes | None, str, str | None]:
    """(content, file name, problem) of the uploaded file, read up to the limit."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None, "", MSG_NO_FILE
    data = await upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        too_large = Message("Tệp lớn hơn %(size)s KB.", size=MAX_FILE_BYTES // 1024)
        return None, upload.filename, too_large
    return data, upload.filename, None


@router.get("/import", response_class=HTMLResponse)
async def import_page(request: Request, principal: StaffAdmin) -> HTMLResponse:
    """The form to upload a units file (code,name,level,parent) for a preview."""
    return _page(request)


@router.post("/import", response_class=HTMLResponse)
async def post_import(
    request: Request, principal: StaffAdminWrite, session: WriteSessionDep
) -> Response:
    """Preview an uploaded file (a dry run), or apply a previewed one (``sealed``); audited."""
    form = await request.form()
    actor = actor_of(request, principal)
    sealed = form.get("sealed")
    if isinstance(sealed, str):
        data = unseal(_signer(request), principal, sealed)
        if data is None:
            return _page(request, 422, errors={"file": MSG_STALE})
        result = await import_units(session, actor, data, principal=principal, preview=PREVIEW_ROWS)
        if not result.written:  # the units changed since the preview: what it would do now
            return _preview(request, principal, result, data, "")
        return done("/console/units", "units-imported")
    data, filename, problem = await _uploaded(form)
    if data is None:
        return _page(request, 422, errors={"file": problem}, filename=filename)
    result = await import_units(
        session, actor, data, principal=principal, dry_run=True, preview=PREVIEW_ROWS
    )
    return _preview(request, principal, result, data, filename)
