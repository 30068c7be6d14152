"""The share of comments handled on time, per unit: the figure plans ask for ("100% of
feedback received and handled").

A comment is *due* once its outcome is known: answered or closed (on time if on or before its
due date, late after it), or still open past its due date (late, whatever happens next).
Open comments not yet due are *pending* and left out: they can still be handled on time.
share = on time / due. Periods select comments by the day the response was submitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.auth.scope import units_in_scope
from app.comments.calendar import day_start
from app.comments.schemas import OnTimeReport, OnTimeRow
from app.config import Settings
from app.models import Comment, Response
from app.rounds.service import get_round
from app.units.service import load_tree


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _row(code: str, name: str, counts: Sequence[int]) -> OnTimeRow:
    received, on_time, late, open_overdue, pending = counts
    due = on_time + late + open_overdue
    return OnTimeRow(
        unit=code,
        unit_name=name,
        received=received,
        on_time=on_time,
        late=late,
        open_overdue=open_overdue,
        pending=pending,
        due=due,
        share=round(100.0 * on_time / due, 2) if due else None,
    )


@dataclass(frozen=True)
class OnTimeFilter:
    round: str | None = None
    unit: str | None = None  # a unit code: its whole subtree
    since: date | None = None  # local dates of submission, both inclusive
    until: date | None = None


async def on_time_report(
    session: AsyncSession, principal: Principal, settings: Settings, today: date, f: OnTimeFilter
) -> OnTimeReport:
    """Per unit in scope (and in ``f.unit``'s subtree): received, on time, late, share."""
    round_code, unit_code, since, until = f.round, f.unit, f.since, f.until
    tree = await load_tree(session)
    units = units_in_scope(principal, tree, unit_code)
    handled = Comment.handled_on.is_not(None)
    past_due = Comment.due_on < today
    where: list[ColumnElement[bool]] = [Response.status == "valid"]
    if units is not None:
        where.append(Comment.unit_id.in_(units))
    if round_code:
        where.append(Comment.round_id == (await get_round(session, round_code)).id)
    if since:
        where.append(Response.submitted_at >= day_start(since, settings))
    if until:
        where.append(Response.submitted_at < day_start(until + timedelta(days=1), settings))
    stmt = (
        select(
            Comment.unit_id,
            func.count(),
            _count(and_(handled, Comment.handled_on <= Comment.due_on)),
            _count(and_(handled, Comment.handled_on > Comment.due_on)),
            _count(and_(not_(handled), past_due)),
            _count(and_(not_(handled), or_(Comment.due_on.is_(None), not_(past_due)))),
        )
        .join(Response, Response.id == Comment.response_id)
        .where(*where)
        .group_by(Comment.unit_id)
    )
    per_unit = {uid: tuple(int(v or 0) for v in rest) for uid, *rest in await session.execute(stmt)}
    rows = sorted(
        (_row(tree.by_id[uid].code, tree.by_id[uid].name, c) for uid, c in per_unit.items()),
        key=lambda r: r.unit,
    )
    totals = tuple(sum(c[i] for c in per_unit.values()) for i in range(5))
    top = tree.get(unit_code) if unit_code else None
    return OnTimeReport(
        round=round_code,
        unit=unit_code,
        since=since,
        until=until,
        as_of=today,
        total=_row(top.code if top else "*", top.name if top else "", totals),
        units=rows,
    )
