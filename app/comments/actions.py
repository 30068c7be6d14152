"""Handling a comment: assign, reply, close, reopen (managers), reveal its text (admins).

Every change is checked against the comment's status (TRANSITIONS), the caller's scope on the
comment's unit, and is audited in the same transaction. Concurrent changes to one comment are
serialised by a row lock (PostgreSQL) or the single writer (SQLite).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.access import require
from app.auth.principal import Principal, Role
from app.comments.masking import mask
from app.comments.schemas import Assignable, CommentAction, CommentDetail
from app.comments.service import TRANSITIONS, comment_detail, ensure_visible
from app.errors import AppError, Conflict, Forbidden, NotFound
from app.i18n import N_
from app.models import Comment, Grant, User
from app.models.base import utcnow
from app.units.service import UnitTree, load_tree

REFUSED = {
    "new": N_("Không thể thực hiện: góp ý đang ở trạng thái mới."),
    "assigned": N_("Không thể thực hiện: góp ý đang ở trạng thái đã giao."),
    "answered": N_("Không thể thực hiện: góp ý đang ở trạng thái đã trả lời."),
    "closed": N_("Không thể thực hiện: góp ý đang ở trạng thái đã đóng."),
}


async def _locked(
    session: AsyncSession, principal: Principal, comment_id: int, role: Role, action: str
) -> Comment:
    comment = await session.scalar(
        select(Comment).where(Comment.id == comment_id).with_for_update()
    )
    if comment is None:
        raise NotFound(f"unknown comment {comment_id}")
    require(principal, role, comment.unit_id, await load_tree(session))
    await ensure_visible(session, comment)
    if action in TRANSITIONS and comment.status not in TRANSITIONS[action]:
        raise Conflict(REFUSED[comment.status])
    return comment


async def assignable_users(session: AsyncSession, unit_id: int, tree: UnitTree) -> list[Assignable]:
    """Active users who may handle comments of ``unit_id``: a manager or admin grant on it or
    above it, or superadmins."""
    above = [node.id for node in tree.ancestors(unit_id)]
    granted = select(Grant.user_id).where(
        Grant.unit_id.in_(above), Grant.role.in_(("manager", "admin"))
    )
    users = await session.scalars(
        select(User)
        .where(User.is_active, or_(User.id.in_(granted), User.is_superadmin))
        .order_by(User.email)
    )
    return [Assignable(id=u.id, email=u.email, name=u.name) for u in users]


async def _assign(
    session: AsyncSession, actor: Actor, comment: Comment, body: CommentAction, today: date
) -> dict[str, Any]:
    """Give it to someone who may handle it (manager or admin on its unit)."""
    candidates = await assignable_users(session, comment.unit_id, await load_tree(session))
    chosen = next((u for u in candidates if u.id == body.assignee_id), None)
    if not body.assignee_id:
        raise AppError(N_("Vui lòng chọn người xử lý."), field="assignee_id")
    if chosen is None:
        raise AppError(
            N_("Người được giao phải có quyền quản lý trên đơn vị của góp ý."), field="assignee_id"
        )
    comment.assignee_id, comment.status = chosen.id, "assigned"
    return {"assignee": chosen.email}


async def _reply(
    session: AsyncSession, actor: Actor, comment: Comment, body: CommentAction, today: date
) -> dict[str, Any]:
    """Record the answer given; the comment counts as handled from today."""
    reply = body.reply.strip()
    if not reply:
        raise AppError(N_("Vui lòng nhập nội dung trả lời."), field="reply")
    comment.reply, comment.replied_by_id, comment.replied_at = reply, actor.user_id, utcnow()
    comment.status, comment.handled_on = "answered", comment.handled_on or today
    return {"reply": mask(reply)}


async def _close(
    session: AsyncSession, actor: Actor, comment: Comment, body: CommentAction, today: date
) -> dict[str, Any]:
    """Close it: after a reply, or without one (e.g. nothing actionable) with a note."""
    comment.status, comment.closed_at = "closed", utcnow()
    comment.handled_on = comment.handled_on or today
    return {"note": body.note.strip()}


async def _reopen(
    session: AsyncSession, actor: Actor, comment: Comment, body: CommentAction, today: date
) -> dict[str, Any]:
    """Open a closed comment again: no longer handled until answered or closed anew."""
    comment.status = "assigned" if comment.assignee_id else "new"
    comment.closed_at, comment.handled_on = None, None
    return {"note": body.note.strip()}


CHANGES = {"assign": _assign, "reply": _reply, "close": _close, "reopen": _reopen}


async def handle_comment(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    comment_id: int,
    action: str,
    body: CommentAction,
    today: date,
) -> CommentDetail:
    """Assign, reply, close or reopen a comment of a unit in the manager's scope; audited.

    The status must allow the action (TRANSITIONS, else 409); the scope is checked before the
    body, so that a caller without rights learns nothing from a validation message."""
    comment = await _locked(session, principal, comment_id, "manager", action)
    previous = comment.status
    changes = await CHANGES[action](session, actor, comment, body, today)
    comment.updated_at = utcnow()
    await session.flush()
    changes = {"from": previous, **changes}
    await record(
        session, actor, f"comment.{action}", "comment", comment.id, comment.unit_id, changes
    )
    return await comment_detail(session, principal, comment_id, today)


async def reveal_comment(
    session: AsyncSession, actor: Actor, principal: Principal, comment_id: int, today: date
) -> CommentDetail:
    """The unmasked text, for a signed-in admin of the comment's unit; audited."""
    if principal.kind != "user":
        raise Forbidden("API keys cannot reveal personal data")
    comment = await _locked(session, principal, comment_id, "admin", "reveal")
    await record(session, actor, "comment.reveal", "comment", comment.id, comment.unit_id, {})
    return await comment_detail(session, principal, comment_id, today, reveal=True)
