"""``unit.below_target``: a unit's overall index judged below its target from the refreshed
figures (the maintained tallies the worker folds), as the unit's satisfaction report judges it
(not met: the whole 95% interval lies under the target; without an interval, the index).

The background worker judges every target of the open rounds (``watch_targets``): the
figures are read in a read session, then each unit's row of ``target_watch`` is locked and
compared with what it held. A fall below the target (``not_met`` after anything else, or on
the first look) starts a new episode: one outbox row per subscription keyed by the episode,
so two workers judging at once tell it once. The heads' alerts (app/alerts) read the same rows.
Instruments scored in points (TT 01/2018) are not watched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database
from app.errors import AppError
from app.forms.registry import Catalogue
from app.models import Round, Target, TargetWatch, Unit
from app.models.base import utcnow
from app.reporting.published import served_report
from app.reporting.queries import ReportQuery
from app.units.service import load_tree
from app.webhooks.events import Told, active_subscriptions


@dataclass(frozen=True)
class Judged:
    round_id: int
    round: str
    unit_id: int
    unit: str
    target: float
    index: float | None
    status: str
    basis: str
    ci95: list[float] | None
    figures_at: datetime | None


async def open_targets(session: AsyncSession) -> list[tuple[Round, int, str]]:
    """(round, unit id, unit code) of every target of an open round."""
    rows = await session.execute(
        select(Round, Target.unit_id, Unit.code)
        .join(Target, Target.round_id == Round.id)
        .join(Unit, Unit.id == Target.unit_id)
        .where(Round.status == "open")
        .order_by(Round.id, Unit.code)
    )
    return [(r, u, code) for r, u, code in rows.all()]


async def judge(
    session: AsyncSession,
    catalogue: Catalogue,
    settings: Settings,
    round_: Round,
    unit: tuple[int, str],
) -> Judged | None:
    """The unit's target status as its report (current figures) states it; None: no share."""
    query = ReportQuery(unit[1], "vi", None, False)
    try:
        served = await served_report(session, catalogue, round_.code, query, None, settings)
    except AppError:  # an instrument scored in points, a unit the round no longer reports on
        return None
    report = served.report
    if report.target is None:
        return None
    return Judged(
        round_id=round_.id,
        round=round_.code,
        unit_id=unit[0],
        unit=unit[1],
        target=float(report.target.value),
        index=None if report.index is None else float(report.index),
        status=report.target.status,
        basis=report.target.basis,
        ci95=None if report.ci95 is None else [float(v) for v in report.ci95],
        figures_at=report.freshness.as_of if report.freshness else None,
    )


def payload(found: Judged, episode: int) -> dict[str, Any]:
    return {
        "round": found.round,
        "unit": found.unit,
        "target": found.target,
        "index": found.index,
        "ci95": found.ci95,
        "basis": found.basis,
        "episode": episode,
        "figures_as_of": found.figures_at.isoformat() if found.figures_at else None,
    }


async def record(session: AsyncSession, found: Judged) -> int:
    """Store the judgement; on a fall below the target, its outbox rows (how many)."""
    query = select(TargetWatch).where(
        TargetWatch.round_id == found.round_id, TargetWatch.unit_id == found.unit_id
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await session.scalars(query)).one_or_none()
    if row is None:
        row = TargetWatch(round_id=found.round_id, unit_id=found.unit_id, episode=0, status="")
        session.add(row)
    fell = found.status == "not_met" and row.status != "not_met"
    if found.status != row.status:
        row.changed_at = utcnow()
    row.status, row.target, row.index = found.status, found.target, found.index
    row.figures_at, row.checked_at = found.figures_at, utcnow()
    if not fell:
        return 0
    row.episode += 1
    await session.flush()
    subscriptions = await active_subscriptions(session)
    told = Told(session, subscriptions, await load_tree(session), found.unit_id)
    key = f"unit.below_target:{found.round_id}:{found.unit_id}:{row.episode}"
    return await told("unit.below_target", key, payload(found, row.episode))


async def watch_targets(db: Database, catalogue: Catalogue, settings: Settings) -> int:
    """Judge every target of the open rounds; the outbox rows written for falls below."""
    judged: list[Judged] = []
    async with db.sessions() as session:
        for round_, unit_id, code in await open_targets(session):
            found = await judge(session, catalogue, settings, round_, (unit_id, code))
            if found is not None:
                judged.append(found)
    added = 0
    for found in judged:
        async with db.write_sessions.begin() as session:
            added += await record(session, found)
    return added
