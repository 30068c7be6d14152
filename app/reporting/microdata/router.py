"""Analysts' formats over HTTP: the reporting API and the console's download."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.auth.access import ApiReader, StaffViewer
from app.deps import CatalogueDep, SessionDep, SettingsDep
from app.reporting.microdata.files import MEDIA, MicroFormat
from app.reporting.microdata.service import microdata_file

router = APIRouter(prefix="/api/v1", tags=["reporting"])
console_router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)
FormatQuery = Query(
    "csv", description="sav (SPSS), dta (Stata 14+), csv, or codebook (CSV of the variables)"
)
RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {m: {} for m in set(MEDIA.values())}, "description": "The file"}
}


def _file(body: bytes, name: str, fmt: MicroFormat) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=MEDIA[fmt], headers=headers)


@router.get("/rounds/{round_code}/microdata", responses=RESPONSES)
async def get_microdata(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    format: MicroFormat = FormatQuery,
) -> Response:
    """The round's valid responses (masked: no free text, no time of day) with weights,
    strata, PSUs, fpc, flags and value labels, as SPSS, Stata or CSV with a codebook; a
    reader of the round's whole coverage."""
    body, name = await microdata_file(session, catalogue, settings, round_code, principal, format)
    return _file(body, name, format)


@console_router.get("/microdata")
async def console_microdata(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: StaffViewer,
    format: MicroFormat = FormatQuery,
) -> Response:
    """The console's download of the round's microdata (a viewer of the whole round)."""
    body, name = await microdata_file(session, catalogue, settings, round_code, principal, format)
    return _file(body, name, format)
