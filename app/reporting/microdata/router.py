"""Analysts' formats over HTTP: the reporting API and the console's download.

The file is built by a background job (app.reporting.jobs): a request serves it when it was
built since the round's figures last changed, else answers 202 with the job's status URL
(the API) or goes back to the round's publishing page, which shows the job's progress (the
console)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response

from app.auth.access import ApiReader, StaffViewer
from app.deps import SessionDep
from app.reporting.jobs import MicrodataFile, request_microdata
from app.reporting.jobs_router import JobOut, JobsDep, file_response, job_response
from app.reporting.microdata.files import MEDIA, MicroFormat

router = APIRouter(prefix="/api/v1", tags=["reporting"])
console_router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)
FormatQuery = Query(
    "csv", description="sav (SPSS), dta (Stata 14+), csv, or codebook (CSV of the variables)"
)
RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {m: {} for m in set(MEDIA.values())}, "description": "The file"},
    202: {"model": JobOut, "description": "Being built: the job's status is at Location"},
}


@router.get("/rounds/{round_code}/microdata", responses=RESPONSES)
async def get_microdata(
    round_code: str,
    session: SessionDep,
    jobs: JobsDep,
    principal: ApiReader,
    format: MicroFormat = FormatQuery,
) -> Response:
    """The round's valid responses (masked: no free text, no time of day) with weights,
    strata, PSUs, fpc, flags and value labels, as SPSS, Stata or CSV with a codebook; a
    reader of the round's whole coverage. Built in the background: 202 with the job's status
    URL until the file is ready, then the file (here and at the job's ``file_url``)."""
    found = await request_microdata(session, jobs, round_code, principal, format)
    if isinstance(found, MicrodataFile):
        return file_response(found)
    return job_response(found, round_code)


@console_router.get("/microdata")
async def console_microdata(
    round_code: str,
    session: SessionDep,
    jobs: JobsDep,
    principal: StaffViewer,
    format: MicroFormat = FormatQuery,
) -> Response:
    """The console's download of the round's microdata (a viewer of the whole round); while
    it is being built, the round's publishing page with the job's progress."""
    found = await request_microdata(session, jobs, round_code, principal, format)
    if isinstance(found, MicrodataFile):
        return file_response(found)
    return RedirectResponse(f"/console/rounds/{quote(round_code)}/revisions", status_code=303)
