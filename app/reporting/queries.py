"""Query parameters shared by report routes and their exports, as dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query

from app.payload import INT32_MAX
from app.reporting.exports import Decimal, Format

Lang = Literal["vi", "en"]
UnitQuery = Query(None, description="Unit code; default: the round's top unit")
RevisionQuery = Query(
    None, ge=1, le=INT32_MAX, description="A published revision; default: the latest, if any"
)
LiveQuery = Query(False, description="Current data even if the round is frozen (a preview)")
AsOfQuery = Query(
    None,
    max_length=10,
    description="Unit hierarchy to roll up with: omitted or 'round' (the round's, its first "
    "day), 'now' (today's) or a date YYYY-MM-DD; the report's 'hierarchy' says which",
)


@dataclass(frozen=True)
class ReportQuery:
    unit: str | None
    lang: Lang
    revision: int | None
    live: bool
    as_of: str | None = None


async def _report_query(
    unit: str | None = UnitQuery,
    lang: Lang = "vi",
    revision: int | None = RevisionQuery,
    live: bool = LiveQuery,
    as_of: str | None = AsOfQuery,
) -> ReportQuery:
    return ReportQuery(unit, lang, revision, live, as_of)


@dataclass(frozen=True)
class RankingQuery:
    level: str
    parent: str | None
    lang: Lang
    revision: int | None
    live: bool
    as_of: str | None = None


async def _ranking_query(
    level: str = Query(..., description="Unit level to rank, e.g. commune, counter"),
    parent: str | None = Query(None, description="Parent unit; default: the round's top unit"),
    lang: Lang = "vi",
    revision: int | None = RevisionQuery,
    live: bool = LiveQuery,
    as_of: str | None = AsOfQuery,
) -> RankingQuery:
    return RankingQuery(level, parent, lang, revision, live, as_of)


@dataclass(frozen=True)
class FileQuery:
    format: Format
    vi: bool  # Vietnamese column headers
    decimal: Decimal = "dot"


async def _file_query(
    format: Format = Query("csv", description="csv (UTF-8, method as '# ' lines) or xlsx"),
    headers: Lang = Query("en", description="Column headers: en (keys) or vi (Vietnamese)"),
    decimal: Decimal = Query(
        "dot",
        description="CSV numbers: dot (86.4, ',' between fields) or comma (86,4 and ';' "
        "between fields, for Vietnamese-locale spreadsheet programs); XLSX stores numbers",
    ),
) -> FileQuery:
    return FileQuery(format, headers == "vi", decimal)


ReportQueryDep = Annotated[ReportQuery, Depends(_report_query)]
RankingQueryDep = Annotated[RankingQuery, Depends(_ranking_query)]
FileQueryDep = Annotated[FileQuery, Depends(_file_query)]
