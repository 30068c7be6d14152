"""Read-only tables: breakdowns, rankings, and CSV/XLSX exports of reports and rankings."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.auth.access import ApiReader
from app.deps import CatalogueDep, SessionDep
from app.reporting.breakdown import breakdown_report
from app.reporting.exports import (
    MEDIA,
    Format,
    Table,
    fingerprint,
    ranking_table,
    render,
    report_table,
)
from app.reporting.http import conditional, etag_of
from app.reporting.published import data_changed_at, served_report
from app.reporting.ranking import ranking_report
from app.reporting.router import LiveQuery, RevisionQuery, UnitQuery
from app.reporting.table_schemas import BreakdownReport, RankingReport
from app.rounds.service import get_round

router = APIRouter(prefix="/api/v1", tags=["reporting"])
Lang = Literal["vi", "en"]
ParentQuery = Query(None, description="Parent unit code; default: the round's top unit")
LevelQuery = Query(..., description="Unit level to rank, e.g. commune, counter")
FormatQuery = Query("csv", description="csv (UTF-8, method as '# ' lines) or xlsx")
HeadersQuery = Query("en", description="Column headers: en (keys) or vi (Vietnamese labels)")


def _download(
    request: Request, table: Table, fmt: Format, vi: bool, name: str, modified: datetime
) -> Response:
    """The file, with an ETag over its content (an XLSX file's bytes carry a creation time)."""
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    etag = etag_of(fingerprint(table, fmt, vi))
    return conditional(request, render(table, fmt, vi), modified, MEDIA[fmt], disposition, etag)


@router.get("/rounds/{round_code}/satisfaction/breakdown", response_model=BreakdownReport)
async def get_breakdown(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    principal: ApiReader,
    by: str = Query(..., description="A single-choice question code, or 'channel'"),
    unit: str | None = UnitQuery,
    lang: Lang = "vi",
) -> BreakdownReport:
    """A unit's satisfaction estimates for each answer of a single-choice question or channel."""
    return await breakdown_report(session, catalogue, round_code, unit, by, lang, principal)


@router.get("/rounds/{round_code}/ranking", response_model=RankingReport)
async def get_ranking(
    request: Request,
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    principal: ApiReader,
    level: str = LevelQuery,
    parent: str | None = ParentQuery,
    lang: Lang = "vi",
    revision: int | None = RevisionQuery,
    live: bool = LiveQuery,
) -> Response:
    """Units of a level under a parent ranked by index: rank r of N, band, previous, target."""
    args = (round_code, parent, level, lang, principal, revision, live)
    ranking = await ranking_report(session, catalogue, *args)
    return conditional(request, ranking, await _modified(session, round_code, ranking))


async def _modified(session: SessionDep, round_code: str, ranking: RankingReport) -> datetime:
    if ranking.snapshot is not None:
        return ranking.snapshot.frozen_at
    return await data_changed_at(session, await get_round(session, round_code))


@router.get("/rounds/{round_code}/satisfaction/export")
async def export_satisfaction(
    request: Request,
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    principal: ApiReader,
    unit: str | None = UnitQuery,
    lang: Lang = "vi",
    format: Format = FormatQuery,
    headers: Lang = HeadersQuery,
    revision: int | None = RevisionQuery,
    live: bool = LiveQuery,
) -> Response:
    """The satisfaction report as a CSV or XLSX file, with the method stated in the file."""
    args = (round_code, unit, lang, principal, revision, live)
    served = await served_report(session, catalogue, *args)
    table = report_table(served.report, served.round, served.last_modified)
    name = f"sipas-{round_code}-{served.report.unit.code}"
    return _download(request, table, format, headers == "vi", name, served.last_modified)


@router.get("/rounds/{round_code}/ranking/export")
async def export_ranking(
    request: Request,
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    principal: ApiReader,
    level: str = LevelQuery,
    parent: str | None = ParentQuery,
    lang: Lang = "vi",
    format: Format = FormatQuery,
    headers: Lang = HeadersQuery,
    revision: int | None = RevisionQuery,
    live: bool = LiveQuery,
) -> Response:
    """The ranking table as a CSV or XLSX file, with the method stated in the file."""
    args = (round_code, parent, level, lang, principal, revision, live)
    ranking = await ranking_report(session, catalogue, *args)
    round_ = await get_round(session, round_code)
    modified = await _modified(session, round_code, ranking)
    table = ranking_table(ranking, round_, modified)
    name = f"sipas-{round_code}-ranking-{ranking.parent.code}-{level}"
    return _download(request, table, format, headers == "vi", name, modified)
