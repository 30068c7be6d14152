"""The satisfaction report as served: a frozen revision when the round has one, else the
current figures; both with bands, targets, the change from the previous round and how fresh
the figures are (``freshness``: the tallies as last folded by the background worker)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.errors import AppError
from app.forms.registry import Catalogue
from app.models import ReportSnapshot, Round, TallyQueue, TallyState
from app.models.base import as_utc
from app.reporting.changes import data_changed_at
from app.reporting.comparisons import compare_report, load_comparisons
from app.reporting.freshness_schemas import FreshnessOut
from app.reporting.queries import ReportQuery
from app.reporting.schemas import SatisfactionReport, TallyStatus
from app.reporting.service import report_target, satisfaction_report
from app.reporting.snapshots import frozen_report, get_snapshot
from app.rounds.service import get_round
from app.statistics.freshness import Freshness, observing, set_waiting
from app.statistics.tasks import FOLD


@dataclass(frozen=True)
class Served:
    report: SatisfactionReport
    last_modified: datetime
    round: Round


async def freshness_wanted(request: Request) -> None:
    """How long this request's reports wait for queued changes to be folded: ``?fresh=true``
    up to ``fresh_timeout_seconds``, else ``report_wait_seconds`` (default 0: serve the last
    folded figures at once); without a background worker in the process, until folded."""
    settings: Settings = request.app.state.settings
    worker = getattr(request.app.state, "worker", None)
    if worker is None or not worker.running:
        set_waiting(math.inf)
    elif request.query_params.get("fresh", "").lower() in ("true", "1", "yes"):
        worker.wake("statistics.fold")
        set_waiting(settings.fresh_timeout_seconds)
    else:
        set_waiting(settings.report_wait_seconds)


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
    target = await report_target(session, catalogue, round_code, unit_code, principal, query.as_of)
    snapshot = None if query.live else await get_snapshot(session, target.round, query.revision)
    if snapshot is not None and target.as_of.basis != "round":
        raise AppError(
            "a published revision rolls up with the round's hierarchy: ask with live=true for "
            "current figures in another one",
            field="as_of",
        )
    if snapshot is not None:
        report = await frozen_report(session, snapshot, target.round, target.unit, lang)
        report.freshness = freshness_out(None, snapshot)
        return Served(report, snapshot.created_at, target.round)
    with observing() as seen:
        report = await satisfaction_report(
            session,
            catalogue,
            round_code,
            unit_code,
            lang,
            principal,
            settings,
            as_of=query.as_of,
        )
    found = seen.get(target.round.id)
    report.freshness = freshness_out(found)
    compare_report(report, await load_comparisons(session, catalogue, target))
    folded_at = found.as_of if found is not None and found.source == "tallies" else None
    return Served(report, await data_changed_at(session, target.round, folded_at), target.round)


def freshness_out(found: Freshness | None, snapshot: ReportSnapshot | None = None) -> FreshnessOut:
    """What a report states about its figures: the frozen revision's time, else what the
    engine read (nothing recorded: computed live in the request)."""
    if snapshot is not None:
        return FreshnessOut(source="snapshot", as_of=as_utc(snapshot.created_at))
    found = found or Freshness.live()
    return FreshnessOut(
        source=found.source, as_of=found.as_of, pending=found.pending, stale=found.stale
    )


async def tally_status(
    session: AsyncSession, round_code: str, progress: dict[str, dict[str, str]]
) -> TallyStatus:
    """The round's tallies: last fold, staleness, queue; ``progress``: the worker's jobs."""
    round_ = await get_round(session, round_code)
    state = await session.get(TallyState, round_.id)
    queued = await session.scalar(
        select(func.count()).select_from(TallyQueue).where(TallyQueue.round_id == round_.id)
    )
    return TallyStatus(
        round=round_.code,
        built=state is not None and state.as_of is not None,
        as_of=as_utc(state.as_of) if state and state.as_of else None,  # SQLite: naive
        latest_response_at=as_utc(state.data_at) if state and state.data_at else None,
        folds=state.folded if state else 0,
        stale=state.stale if state else True,
        queued=int(queued or 0),
        working=progress.get(f"{FOLD}:{round_.code}"),
    )
