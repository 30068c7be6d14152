"""Import endpoints: units, and responses of a round, from CSV files (multipart ``file``).

``dry_run=true`` checks the file and answers the rows (preview) and the problems without
writing anything. An import with any rejected row writes nothing and answers 422 with every
problem by line and column.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from app.auth.access import StaffAdmin, actor_of, check_csrf
from app.deps import CatalogueDep, SettingsDep, WriteSessionDep
from app.errors import Unprocessable
from app.imports.csvfile import PREVIEW_ROWS
from app.imports.responses import import_responses
from app.imports.schemas import ImportOut
from app.imports.units import import_units
from app.rounds.deps import RoundManager

router = APIRouter(prefix="/api/v1", tags=["imports"])
DryRun = Query(False, description="Check only: answer the rows and problems, write nothing")
Preview = Query(PREVIEW_ROWS, ge=0, le=5000, description="How many rows to echo back")
# Optional at the framework level so that authorisation and CSRF are checked (403) before a
# missing file is reported (422).
FileField = File(None, description="CSV, UTF-8, header row first (required)")
IMPORT_ANSWERS: dict[int | str, dict[str, Any]] = {
    422: {"model": ImportOut, "description": "Rejected rows; nothing written"}
}


async def _read(file: UploadFile | None) -> bytes:
    if file is None:
        raise Unprocessable("send the CSV file as the multipart field 'file'")
    return await file.read()


def _answer(out: ImportOut) -> JSONResponse:
    return JSONResponse(out.model_dump(mode="json"), status_code=422 if out.error_count else 200)


@router.post("/units/import", response_model=ImportOut, responses=IMPORT_ANSWERS)
async def post_units_import(
    request: Request,
    session: WriteSessionDep,
    principal: StaffAdmin,
    file: UploadFile | None = FileField,
    dry_run: bool = DryRun,
    preview: int = Preview,
) -> JSONResponse:
    """Create or update units from CSV (code,name,level,parent), all within your admin scope."""
    await check_csrf(request, principal)
    data = await _read(file)
    result = await import_units(
        session,
        actor_of(request, principal),
        data,
        principal=principal,
        dry_run=dry_run,
        preview=preview,
    )
    return _answer(ImportOut.of(result, dry_run))


@router.post(
    "/rounds/{round_code}/responses/import", response_model=ImportOut, responses=IMPORT_ANSWERS
)
async def post_responses_import(
    request: Request,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    target: RoundManager,
    file: UploadFile | None = FileField,
    dry_run: bool = DryRun,
    preview: int = Preview,
) -> JSONResponse:
    """Import responses (paper forms, interviews, other systems) validated as the form does."""
    data = await _read(file)
    result = await import_responses(
        session,
        actor_of(request, target.principal),
        target.round,
        catalogue.get(target.round.form_code),
        data,
        ZoneInfo(settings.timezone),
        dry_run=dry_run,
        preview=preview,
    )
    return _answer(ImportOut.of(result, dry_run))
