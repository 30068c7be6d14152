"""Read-only tables: breakdowns, rankings, and CSV/XLSX exports of reports and rankings."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.auth.access import ApiReader
from app.deps import CatalogueDep, DatabaseDep, SessionDep, SettingsDep
from app.reporting.breakdown import breakdown_report
from app.reporting.changes import data_changed_at
from app.reporting.exports import (
    MEDIA,
    Table,
    fingerprint,
    ranking_table,
    render,
    report_table,
)
from app.reporting.http import conditional, etag_of
from app.reporting.published import served_report
from app.reporting.queries import (
    FileQuery,
    FileQueryDep,
    Lang,
    RankingQueryDep,
    ReportQueryDep,
    UnitQuery,
)
from app.reporting.ranking import ranking_report
from app.reporting.table_schemas import BreakdownReport, RankingReport
from app.rounds.service import get_round

router = APIRouter(prefix="/api/v1", tags=["reporting"])


def _download(
    request: Request, table: Table, files: FileQuery, name: str, modified: datetime
) -> Response:
    """The file, with an ETag over its content (an XLSX file's bytes carry a creation time)."""
    fmt = files.format
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    etag = etag_of(fingerprint(table, fmt, files.vi, files.decimal))
    body = render(table, fmt, files.vi, files.decimal)
    return conditional(request, body, modified, MEDIA[fmt], disposition, etag)


@router.get("/rounds/{round_code}/satisfaction/breakdown", response_model=BreakdownReport)
async def get_breakdown(
    request: Request,
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    by: str = Query(..., description="A single-choice question code, or 'channel'"),
    unit: str | None = UnitQuery,
    lang: Lang = "vi",
) -> Response:
    """A unit's satisfaction estimates for each answer of a single-choice question or channel,
    with standard errors and intervals under the round's design (always current data: a
    frozen revision does not hold breakdowns)."""
    found = await breakdown_report(
        session, catalogue, round_code, unit, by, lang, principal, settings
    )
    modified = await data_changed_at(session, await get_round(session, round_code))
    return conditional(request, found, modified)


async def _modified(session: SessionDep, round_code: str, ranking: RankingReport) -> datetime:
    if ranking.snapshot is not None:
        return ranking.snapshot.frozen_at
    if ranking.freshness is not None and ranking.freshness.source == "worker":
        return ranking.freshness.as_of  # when stored: a caught-up one is newer than a stale one
    return await data_changed_at(session, await get_round(session, round_code))


@router.get("/rounds/{round_code}/ranking", response_model=RankingReport)
async def get_ranking(
    request: Request,
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    query: RankingQueryDep,
    db: DatabaseDep,
) -> Response:
    """Units of a level under a parent ranked by index, with standard errors and intervals:
    rank r of N, band, previous, target. Live figures are served as the background worker
    last computed them (``freshness``: its ``as_of``; ``stale`` while it catches up;
    ``?fresh=true`` computes a stale one now)."""
    ranking = await ranking_report(session, catalogue, round_code, query, principal, settings, db)
    return conditional(request, ranking, await _modified(session, round_code, ranking))


@router.get("/rounds/{round_code}/satisfaction/export")
async def export_satisfaction(
    request: Request,
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    principal: ApiReader,
    query: ReportQueryDep,
    files: FileQueryDep,
) -> Response:
    """The satisfaction report as a CSV or XLSX file, with the method stated in the file."""
    served = await served_report(session, catalogue, round_code, query, principal)
    table = report_table(served.report, served.round, served.last_modified)
    name = f"sipas-{round_code}-{served.report.unit.code}"
    return _download(request, table, files, name, served.last_modified)


@router.get("/rounds/{round_code}/ranking/export")
async def export_ranking(
    request: Request,
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    query: RankingQueryDep,
    files: FileQueryDep,
    db: DatabaseDep,
) -> Response:
    """The ranking table as a CSV or XLSX file, with the method stated in the file."""
    ranking = await ranking_report(session, catalogue, round_code, query, principal, settings, db)
    modified = await _modified(session, round_code, ranking)
    table = ranking_table(ranking, await get_round(session, round_code), modified)
    name = f"sipas-{round_code}-ranking-{ranking.parent.code}-{query.level}"
    return _download(request, table, files, name, modified)
