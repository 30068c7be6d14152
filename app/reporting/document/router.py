"""The report document over HTTP: the reporting API (an API key or a signed-in reader) and the
console's download button (staff viewers of the unit)."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import ApiReader, StaffViewer
from app.auth.principal import Principal
from app.config import Settings
from app.deps import CatalogueDep, SessionDep, SettingsDep
from app.forms.registry import Catalogue
from app.reporting.document.content import report_content
from app.reporting.document.render import MEDIA, file_name, render_document
from app.reporting.queries import RevisionQuery, UnitQuery

router = APIRouter(prefix="/api/v1", tags=["reporting"])
console_router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)
FormatQuery = Query("docx", description="docx (Word) or pdf")
DocFormat = Literal["docx", "pdf"]
DocLang = Literal["vi", "en"]
LangQuery = Query("vi", description="vi (the province's report) or en")


async def _document(
    session: AsyncSession,
    catalogue: Catalogue,
    settings: Settings,
    principal: Principal,
    round_code: str,
    unit: str | None,
    fmt: DocFormat,
    revision: int | None,
    lang: DocLang,
) -> Response:
    content = await report_content(
        session, catalogue, settings, round_code, unit, principal, revision, lang
    )
    body = await asyncio.to_thread(render_document, content, fmt)  # CPU: off the event loop
    name = file_name(content, fmt)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if content.report.snapshot is not None:
        headers["X-Content-SHA256"] = content.report.snapshot.content_hash
    return Response(body, media_type=MEDIA[fmt], headers=headers)


DOC_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {MEDIA["docx"]: {}, MEDIA["pdf"]: {}}, "description": "The document"}
}


@router.get("/rounds/{round_code}/report-document", responses=DOC_RESPONSES)
async def get_report_document(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    unit: str | None = UnitQuery,
    format: DocFormat = FormatQuery,
    revision: int | None = RevisionQuery,
    lang: DocLang = LangQuery,
) -> Response:
    """The report document (Báo cáo kết quả khảo sát sự hài lòng) of a unit as DOCX or PDF:
    the figures of the served revision (X-Content-SHA256 names it), comments, method."""
    return await _document(
        session, catalogue, settings, principal, round_code, unit, format, revision, lang
    )


@console_router.get("/report-document")
async def console_report_document(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: StaffViewer,
    unit: str | None = UnitQuery,
    format: DocFormat = FormatQuery,
    revision: int | None = RevisionQuery,
    lang: DocLang = LangQuery,
) -> Response:
    """The console's download of the report document (a viewer of the unit)."""
    return await _document(
        session, catalogue, settings, principal, round_code, unit, format, revision, lang
    )
