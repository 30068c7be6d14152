"""Progress of the plans over a quarter, six months or a year (the provinces' "định kỳ quý,
6 tháng, cuối năm"): actions due, done and late by unit; the feedback (PAKN) handled on time
in the period (app.comments.ontime); the targeted criteria's latest figures. Also: the next
round's figures of an action's criteria (follow-up) and the owners' inbox of actions due
soon or late. Every query is bounded by the units in scope and the period."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.auth.scope import units_in_scope
from app.comments.ontime import OnTimeFilter, on_time_report
from app.config import Settings
from app.errors import Unprocessable
from app.forms.registry import Catalogue
from app.improvement.plans import OPEN
from app.improvement.schemas import (
    FollowedCriterion,
    FollowUp,
    InboxItem,
    ProgressReport,
    TargetedFigure,
    UnitProgress,
)
from app.models import ImprovementAction, Round
from app.reporting.comparisons import compare_report, load_comparisons
from app.reporting.schemas import SatisfactionReport
from app.reporting.service import report_target, satisfaction_report
from app.units.service import load_tree

DUE_SOON_DAYS = 7
INBOX_LIMIT = 50
TARGETED_LIMIT = 40  # (unit, round) reports computed for the targeted criteria's figures


def period_of(year: int, quarter: int | None, half: int | None) -> tuple[str, date, date]:
    """(label, first day, last day) of a quarter, a half year or the year."""
    if quarter is not None and half is not None:
        raise Unprocessable("give a quarter or a half year, not both")
    if quarter is not None:
        if not 1 <= quarter <= 4:
            raise Unprocessable("quarter must be 1 to 4")
        first, months, label = 3 * quarter - 2, 3, f"{year}-Q{quarter}"
    elif half is not None:
        if half not in (1, 2):
            raise Unprocessable("half must be 1 or 2")
        first, months, label = 6 * half - 5, 6, f"{year}-H{half}"
    else:
        first, months, label = 1, 12, str(year)
    start = date(year, first, 1)
    end_month = first + months
    end = date(year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return label, start, end


def _tally(code: str, name: str, actions: list[ImprovementAction], today: date) -> UnitProgress:
    done = [a for a in actions if a.status == "done"]
    on_time = [a for a in done if a.done_on is not None and a.done_on <= a.due_on]
    late = [
        a
        for a in actions
        if (a.status == "done" and a.done_on is not None and a.done_on > a.due_on)
        or (a.status in OPEN and a.due_on < today)
    ]
    return UnitProgress(
        unit=code,
        unit_name=name,
        due=len(actions),
        done=len(done),
        done_on_time=len(on_time),
        late=len(late),
        open=sum(a.status in OPEN for a in actions),
    )


async def _report_of(
    session: AsyncSession, catalogue: Catalogue, round_: Round, unit: str, settings: Settings
) -> SatisfactionReport | None:
    """A unit's satisfaction report in a round with its comparisons (None: points)."""
    form = catalogue.get(round_.form_code)
    if form.instrument.aggregation.is_points:
        return None
    report = await satisfaction_report(session, catalogue, round_.code, unit, settings=settings)
    target = await report_target(session, catalogue, round_.code, unit, None)
    cmp = await load_comparisons(session, catalogue, target, units=[target.unit.id])
    return compare_report(report, cmp)


def _figures(report: SatisfactionReport) -> dict[str, tuple[float | None, list[float] | None]]:
    found: dict[str, tuple[float | None, list[float] | None]] = {}
    for element in report.elements:
        found[element.code] = (element.index, element.ci95)
        for c in element.criteria:
            found[c.code] = (c.index, c.ci95)
    return found


async def latest_round(session: AsyncSession, form_code: str) -> Round | None:
    return await session.scalar(
        select(Round)
        .where(Round.form_code == form_code, Round.status != "draft")
        .order_by(Round.starts_on.desc(), Round.id.desc())
        .limit(1)
    )


async def progress_report(
    session: AsyncSession,
    catalogue: Catalogue,
    principal: Principal,
    settings: Settings,
    year: int,
    quarter: int | None = None,
    half: int | None = None,
    unit_code: str | None = None,
) -> ProgressReport:
    """Actions due in the period by unit, PAKN on time, and the targeted criteria's figures."""
    label, since, until = period_of(year, quarter, half)
    today = settings.today()
    tree = await load_tree(session)
    units = units_in_scope(principal, tree, unit_code)
    stmt = select(ImprovementAction).where(
        ImprovementAction.due_on >= since, ImprovementAction.due_on <= until
    )
    if units is not None:
        stmt = stmt.where(ImprovementAction.unit_id.in_(units))
    actions = list((await session.scalars(stmt.order_by(ImprovementAction.id))).all())
    by_unit: dict[int, list[ImprovementAction]] = {}
    for action in actions:
        by_unit.setdefault(action.unit_id, []).append(action)
    rows = sorted(
        (_tally(tree.by_id[u].code, tree.by_id[u].name, a, today) for u, a in by_unit.items()),
        key=lambda r: r.unit,
    )
    top = tree.get(unit_code) if unit_code else None
    total = _tally(top.code if top else "*", top.name if top else "", actions, today)
    feedback = await on_time_report(
        session, principal, settings, today, OnTimeFilter(unit=unit_code, since=since, until=until)
    )
    return ProgressReport(
        period=label,
        since=since,
        until=until,
        as_of=today,
        units=rows,
        total=total,
        feedback_on_time=feedback.total.share,
        feedback_due=feedback.total.due,
        targeted=await _targeted(session, catalogue, settings, tree, actions),
    )


async def _targeted(session, catalogue, settings, tree, actions) -> list[TargetedFigure]:  # type: ignore[no-untyped-def]
    """The latest figures of each action's criteria at its unit (latest round of its form)."""
    wanted: dict[tuple[int, str], set[str]] = {}
    forms: dict[int, str] = {}
    for action in actions:
        if action.round_id not in forms:
            round_ = await session.get(Round, action.round_id)
            forms[action.round_id] = round_.form_code
        key = (action.unit_id, forms[action.round_id])
        wanted.setdefault(key, set()).update(str(c) for c in action.criteria)
    found = []
    for (unit_id, form_code), codes in list(wanted.items())[:TARGETED_LIMIT]:
        latest = await latest_round(session, form_code)
        code = tree.by_id[unit_id].code
        report = await _report_of(session, catalogue, latest, code, settings) if latest else None
        if report is None or latest is None:
            continue
        figures = _figures(report)
        for c in sorted(codes):
            index, ci = figures.get(c, (None, None))
            found.append(TargetedFigure(unit=code, code=c, round=latest.code, index=index, ci95=ci))
    return found


async def follow_up(
    session: AsyncSession,
    catalogue: Catalogue,
    principal: Principal,
    settings: Settings,
    action_id: int,
) -> FollowUp:
    """The action's criteria in the next round of its instrument: before, after, and whether
    the change is significant (the satisfaction report's ``previous``)."""
    from app.improvement.plans import get_action

    tree = await load_tree(session)
    action = await get_action(session, principal, tree, action_id)
    round_ = await session.get(Round, action.round_id)
    assert round_ is not None
    following = await session.scalar(
        select(Round)
        .where(
            Round.form_code == round_.form_code,
            Round.starts_on > round_.starts_on,
            Round.status != "draft",
        )
        .order_by(Round.starts_on, Round.id)
        .limit(1)
    )
    unit = tree.by_id[action.unit_id].code
    if following is None:
        return FollowUp(action=action.id, round=round_.code, next_round=None, criteria=[])
    report = await _report_of(session, catalogue, following, unit, settings)
    items: dict[str, Any] = {}
    if report is not None and report.previous_round == round_.code:
        for element in report.elements:
            items[element.code] = element
            for c in element.criteria:
                items[c.code] = c
    criteria = []
    for code in action.criteria:
        item = items.get(str(code))
        before = item.previous if item is not None else None
        criteria.append(
            FollowedCriterion(
                code=str(code),
                before=before.index if before else None,
                after=item.index if item is not None else None,
                delta=before.delta if before else None,
                significant=before.significant if before else None,
            )
        )
    return FollowUp(
        action=action.id, round=round_.code, next_round=following.code, criteria=criteria
    )


async def inbox(
    session: AsyncSession, principal: Principal, today: date, limit: int = INBOX_LIMIT
) -> list[InboxItem]:
    """Open actions due within DUE_SOON_DAYS or late, that the user owns or manages (a bounded,
    indexed query on status and due date)."""
    tree = await load_tree(session)
    managed = principal.visible_units("manager", tree)
    mine = [ImprovementAction.owner_id == principal.id] if principal.kind == "user" else []
    where = [
        ImprovementAction.status.in_(OPEN),
        ImprovementAction.due_on <= today + timedelta(days=DUE_SOON_DAYS),
    ]
    if managed is not None:
        where.append(or_(*mine, ImprovementAction.unit_id.in_(managed)))
    rows = await session.scalars(
        select(ImprovementAction).where(*where).order_by(ImprovementAction.due_on).limit(limit)
    )
    return [
        InboxItem(
            action=a.id,
            unit=tree.by_id[a.unit_id].code,
            title=a.title,
            due_on=a.due_on,
            state="late" if a.due_on < today else "due_soon",
        )
        for a in rows
    ]
