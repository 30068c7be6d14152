"""The satisfaction report as served: a frozen revision when the round has one, else the
current figures; both with bands, targets and the change from the previous round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.errors import AppError
from app.forms.registry import Catalogue
from app.models import AuditEvent, Response, Round
from app.models.base import as_utc
from app.reporting.comparisons import compare_report, load_comparisons
from app.reporting.queries import ReportQuery
from app.reporting.schemas import SatisfactionReport
from app.reporting.service import report_target, satisfaction_report
from app.reporting.snapshots import frozen_report, get_snapshot


@dataclass(frozen=True)
class Served:
    report: SatisfactionReport
    last_modified: datetime
    round: Round


async def data_changed_at(session: AsyncSession, round_: Round) -> datetime:
    """When the round's figures last changed as far as recorded: its latest response, or the
    latest audited change to the round (volumes, imports, targets, bands, freezing)."""
    latest_response = await session.scalar(
        select(func.max(Response.submitted_at)).where(Response.round_id == round_.id)
    )
    latest_change = await session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.object_type == "round", AuditEvent.object_id == round_.code
        )
    )
    moments = [m for m in (latest_response, latest_change, round_.created_at) if m is not None]
    return max(as_utc(m) for m in moments)


async def served_report(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    query: ReportQuery,
    principal: Principal | None,
    settings: Settings | None = None,
) -> Served:
    """The published revision (latest, or ``revision``) if any and not ``live``; else current."""
    if query.live and query.revision is not None:
        raise AppError("ask for a revision or for live figures, not both")
    unit_code, lang = query.unit, query.lang
    target = await report_target(session, catalogue, round_code, unit_code, principal)
    snapshot = None if query.live else await get_snapshot(session, target.round, query.revision)
    if snapshot is not None:
        report = await frozen_report(session, snapshot, target.round, target.unit, lang)
        return Served(report, snapshot.created_at, target.round)
    report = await satisfaction_report(
        session, catalogue, round_code, unit_code, lang, principal, settings
    )
    compare_report(report, await load_comparisons(session, catalogue, target))
    return Served(report, await data_changed_at(session, target.round), target.round)
