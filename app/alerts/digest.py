"""The weekly digest for heads of units: the past seven local days at the units of their
scope (valid responses, comments received, comments overdue now) and the units below their
target now. Sent on the digest weekday (``SIPAS_ALERT_DIGEST_WEEKDAY``, 0 = Monday) or, if no
pass ran that day, later in the same ISO week; once per person and week (key
``digest:<ISO year>-W<week>``); none to a person with nothing in the week, who turned alerts
off or the digest off. Counts only: no comment text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.service import (
    FOOTER,
    Head,
    below_lines,
    below_now,
    fixed,
    heads,
    overdue_by_unit,
    send_once,
)
from app.config import Settings
from app.db import Database
from app.models import Comment, Response, TargetWatch
from app.units.service import UnitTree, load_tree

DAYS = 7


@dataclass
class Week:
    """What happened at each unit in the week (unit id → count), and who is below target."""

    start: date
    end: date  # the last day of the week (yesterday)
    responses: dict[int, int] = field(default_factory=dict)
    comments: dict[int, int] = field(default_factory=dict)
    overdue: dict[int, int] = field(default_factory=dict)
    below: list[tuple[TargetWatch, str]] = field(default_factory=list)


def week_key(today: date) -> str:
    year, week, _ = today.isocalendar()
    return f"digest:{year}-W{week:02d}"


async def _counts(session: AsyncSession, column: object, *where: object) -> dict[int, int]:
    rows = await session.execute(
        select(column, func.count()).where(*where).group_by(column)  # type: ignore[call-overload]
    )
    return {int(unit): int(n) for unit, n in rows.all()}


async def the_week(session: AsyncSession, settings: Settings, today: date) -> Week:
    """The seven local days before ``today``, counted per unit (one query each)."""
    zone = ZoneInfo(settings.timezone)
    start = today - timedelta(days=DAYS)
    since = datetime.combine(start, time(), zone)
    until = datetime.combine(today, time(), zone)
    week = Week(start, today - timedelta(days=1))
    week.responses = await _counts(
        session,
        Response.unit_id,
        Response.status == "valid",
        Response.submitted_at >= since,
        Response.submitted_at < until,
    )
    week.comments = await _counts(
        session, Comment.unit_id, Comment.created_at >= since, Comment.created_at < until
    )
    week.overdue = await overdue_by_unit(session, today)
    week.below = await below_now(session)
    return week


def digest_text(tree: UnitTree, week: Week, scope: set[int]) -> str | None:
    """The person's digest; None when nothing happened at their units."""
    units = sorted(
        (u for u in {*week.responses, *week.comments, *week.overdue} if u in scope),
        key=lambda u: tree.by_id[u].code,
    )
    below = [(w, code) for w, code in week.below if w.unit_id in scope]
    if not units and not below:
        return None
    lines = [
        f"- {tree.by_id[u].name} ({tree.by_id[u].code}): {week.responses.get(u, 0)} phiếu "
        f"khảo sát, {week.comments.get(u, 0)} góp ý mới, {week.overdue.get(u, 0)} góp ý quá hạn"
        for u in units
    ]
    text = f"Tóm tắt tuần {week.start:%d/%m/%Y} – {week.end:%d/%m/%Y} tại các đơn vị của Ông/Bà:\n"
    text += "\n".join(lines) or "- Không có phiếu khảo sát hay góp ý mới."
    if below:
        text += "\n\nĐơn vị đang dưới chỉ tiêu:\n" + "\n".join(below_lines(tree, below))
    return text + "\n" + FOOTER


async def send_digests(db: Database, settings: Settings, today: date) -> int:
    """Each head's weekly digest, once a week from the digest weekday; e-mails sent."""
    if today.weekday() < settings.alert_digest_weekday:
        return 0
    async with db.sessions() as session:
        tree, week = await load_tree(session), await the_week(session, settings, today)
        people: list[Head] = await heads(session, "digest")
    sent, key = 0, week_key(today)
    subject = f"[SIPAS] Tóm tắt tuần {week.start:%d/%m} – {week.end:%d/%m/%Y}"
    for head in people:
        text = digest_text(tree, week, head.scope(tree))
        if text is not None:
            sent += await send_once(db, settings, head, [key], fixed((subject, text)))
    return sent
