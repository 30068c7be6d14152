"""Comments for staff: list, count and open them in scope, with texts masked.

A comment whose response is excluded is hidden (lists, counts, the on-time share, opening
it), not deleted: restoring the response shows it again, with its handling intact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import require
from app.auth.principal import Principal
from app.auth.scope import units_in_scope
from app.comments.masking import mask
from app.comments.schemas import CommentDetail, CommentItem, CommentPage, HistoryEntry
from app.errors import Gone, NotFound
from app.instruments.stored import stored_instruments
from app.models import Answer, AuditEvent, Comment, Response, Round, Unit, User
from app.models.base import as_utc
from app.rounds.service import get_round
from app.units.service import UnitTree, load_tree

OPEN = ("new", "assigned")
HANDLED = ("answered", "closed")
# What each status allows next; reopening a closed comment is allowed (a wrong or premature
# closure is corrected, not hidden), and it clears the handled date: the clock runs again.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "assign": ("new", "assigned"),
    "reply": ("new", "assigned", "answered"),
    "close": ("new", "assigned", "answered"),
    "reopen": ("closed",),
}


@dataclass(frozen=True)
class CommentFilter:
    round: str | None = None
    unit: str | None = None  # a unit code: its whole subtree
    status: str | None = None
    overdue: bool | None = None
    assignee_id: int | None = None


def overdue(today: date) -> ColumnElement[bool]:
    return and_(Comment.status.in_(OPEN), Comment.due_on < today)


def _query() -> Select[Comment, str | None, datetime, str, str, str, str | None, int]:
    return (
        select(
            Comment,
            Answer.text,
            Response.submitted_at,
            Round.code,
            Unit.code,
            Unit.name,
            User.email,
            Response.form_version_id,
        )
        .join(Response, Response.id == Comment.response_id)
        .join(
            Answer,
            and_(
                Answer.response_id == Comment.response_id,
                Answer.question == Comment.question,
                # Inline, not a bound parameter: SQLite then plans from the comment side
                # (a bound value made it scan every answer: 150 ms instead of 3 ms at 20k).
                Answer.ordinal == literal_column("0"),
            ),
        )
        .join(Round, Round.id == Comment.round_id)
        .join(Unit, Unit.id == Comment.unit_id)
        .outerjoin(User, User.id == Comment.assignee_id)
    )


async def _scope(
    session: AsyncSession, principal: Principal, f: CommentFilter
) -> list[ColumnElement[bool]]:
    units = units_in_scope(principal, await load_tree(session), f.unit)
    found: list[ColumnElement[bool]] = [Response.status == "valid"]
    if units is not None:
        found.append(Comment.unit_id.in_(units))
    if f.round:
        found.append(Comment.round_id == (await get_round(session, f.round)).id)
    if f.assignee_id is not None:
        found.append(Comment.assignee_id == f.assignee_id)
    return found


async def _labels(
    session: AsyncSession, version_ids: set[int], lang: str
) -> dict[tuple[int, str], str]:
    instruments = await stored_instruments(session, version_ids)
    return {
        (vid, q.code): q.text.get(lang) for vid, ins in instruments.items() for q in ins.questions
    }


def _item(
    row: Sequence[Any], labels: dict[tuple[int, str], str], today: date, reveal: bool = False
) -> dict[str, Any]:
    comment, text, submitted_at, round_code, unit_code, unit_name, assignee, version_id = row
    return {
        "id": comment.id,
        "response_id": comment.response_id,
        "question": comment.question,
        "question_label": labels.get((version_id, comment.question), comment.question),
        "round": round_code,
        "unit": unit_code,
        "unit_name": unit_name,
        "status": comment.status,
        "text": (text or "") if reveal else mask(text or ""),
        "received_at": as_utc(submitted_at),
        "due_on": comment.due_on,
        "overdue": comment.status in OPEN and comment.due_on is not None and comment.due_on < today,
        "assignee": assignee,
        "reply": mask(comment.reply) if comment.reply else None,
        "replied_at": as_utc(comment.replied_at) if comment.replied_at else None,
        "handled_on": comment.handled_on,
    }


async def _counts(
    session: AsyncSession, where: list[ColumnElement[bool]], today: date
) -> dict[str, int]:
    base = select(Comment.status, func.count()).join(Response, Response.id == Comment.response_id)
    rows = await session.execute(base.where(*where).group_by(Comment.status))
    counts = {status: 0 for status in TRANSITIONS["assign"] + HANDLED}
    counts.update({status: int(n) for status, n in rows})
    late = (
        select(func.count()).select_from(Comment).join(Response, Response.id == Comment.response_id)
    )
    counts["overdue"] = int(await session.scalar(late.where(*where, overdue(today))) or 0)
    return counts


async def list_comments(
    session: AsyncSession,
    principal: Principal,
    f: CommentFilter,
    today: date,
    before: int | None = None,
    limit: int = 50,
    lang: str = "vi",
) -> CommentPage:
    """Comments in scope matching ``f``, newest first, one page; counts by status."""
    where = await _scope(session, principal, f)
    page = list(where)
    if f.status:
        page.append(Comment.status == f.status)
    if f.overdue is not None:
        page.append(overdue(today) if f.overdue else ~overdue(today))
    if before is not None:
        page.append(Comment.id < before)
    stmt = _query().where(*page).order_by(Comment.id.desc()).limit(limit + 1)
    rows = (await session.execute(stmt)).all()
    labels = await _labels(session, {r[7] for r in rows}, lang)
    items = [CommentItem(**_item(r, labels, today)) for r in rows[:limit]]
    return CommentPage(
        items=items,
        counts=await _counts(session, where, today),
        next_before=items[-1].id if len(rows) > limit else None,
    )


async def _history(session: AsyncSession, comment_id: int) -> list[HistoryEntry]:
    events = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "comment", AuditEvent.object_id == str(comment_id))
        .order_by(AuditEvent.id)
    )
    return [
        HistoryEntry(at=as_utc(e.at), actor=e.actor, action=e.action, changes=e.changes)
        for e in events
    ]


async def ensure_visible(session: AsyncSession, comment: Comment) -> None:
    """410 when the comment's response is excluded: the comment is hidden, not deleted."""
    status = await session.scalar(select(Response.status).where(Response.id == comment.response_id))
    if status != "valid":
        raise Gone("Góp ý này bị ẩn vì phiếu trả lời đã bị loại.")


def allowed_actions(principal: Principal, status: str, unit_id: int, tree: UnitTree) -> list[str]:
    """What this principal may do next to a comment in this status."""
    found = []
    if principal.kind == "user" and principal.can("manager", unit_id, tree):
        found = [action for action, sources in TRANSITIONS.items() if status in sources]
    if principal.kind == "user" and principal.can("admin", unit_id, tree):
        found.append("reveal")
    return found


async def comment_detail(
    session: AsyncSession,
    principal: Principal,
    comment_id: int,
    today: date,
    lang: str = "vi",
    reveal: bool = False,
) -> CommentDetail:
    """One comment in scope (410 when its response is excluded); ``reveal`` is the caller's
    decision, checked and audited in app.comments.actions.reveal_comment."""
    row = (await session.execute(_query().where(Comment.id == comment_id))).first()
    if row is None:
        raise NotFound(f"unknown comment {comment_id}")
    comment = row[0]
    tree = await load_tree(session)
    require(principal, "viewer", comment.unit_id, tree)
    await ensure_visible(session, comment)
    labels = await _labels(session, {row[7]}, lang)
    return CommentDetail(
        **_item(row, labels, today, reveal),
        revealed=reveal,
        actions=allowed_actions(principal, comment.status, comment.unit_id, tree),
        history=await _history(session, comment_id),
    )
