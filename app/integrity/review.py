"""Reviewing held responses: accept (they count from then on) or reject (they never do).

A held response is stored with ``status = 'held'`` and ``review = 'pending'``: no estimate,
ranking, export or publication counts it (statistics count only 'valid'). Accepting sets it
'valid' — the tallies take it in exactly as if it had been valid all along — and rejecting
'excluded'. Each decision has a reason, is audited, and is made by a manager of the unit who
is not its own staff: the people being ranked do not clear their own counter's responses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.access import require
from app.auth.principal import Principal
from app.errors import AppError, Conflict, Forbidden, NotFound
from app.i18n import N_
from app.models import Response
from app.models.base import utcnow
from app.units.service import UnitTree, load_tree

Decision = Literal["accept", "reject"]
STATUS_AFTER = {"accept": "valid", "reject": "excluded"}
REVIEW_AFTER = {"accept": "accepted", "reject": "rejected"}
MAX_BULK = 1000
MSG_OWN_UNIT = N_(
    "Cán bộ của đơn vị không xem xét phiếu của chính đơn vị mình; "
    "việc này do đơn vị khác hoặc cấp tỉnh thực hiện."
)


def office_of(tree: UnitTree, unit_id: int) -> int:
    """The office a unit belongs to: a counter's parent (its commune, department or centre),
    any other unit itself."""
    node = tree.by_id[unit_id]
    if node.level == "counter" and node.parent_id is not None:
        return node.parent_id
    return unit_id


def independent(principal: Principal, tree: UnitTree, unit_id: int) -> bool:
    """Whether ``principal`` is not staff of ``unit_id``'s office: holds no role granted on
    that office or inside it (a superadmin always is)."""
    if principal.is_superadmin:
        return True
    own = tree.subtree_ids(office_of(tree, unit_id))
    return not any(unit in own for _, unit in principal.grants)


def require_independent(principal: Principal, tree: UnitTree, unit_id: int) -> None:
    """403 unless ``principal`` may act on ``unit_id`` from outside it."""
    if not independent(principal, tree, unit_id):
        raise Forbidden(MSG_OWN_UNIT)


async def decide(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    response_ids: Sequence[int],
    decision: Decision,
    reason: str,
) -> list[int]:
    """Accept or reject held responses (all or none: 403/404/409 refuse the whole batch);
    returns the ids decided."""
    reason = reason.strip()
    if not reason:
        raise AppError(N_("Vui lòng ghi lý do."), field="reason")
    ids = sorted(set(response_ids))
    if not ids or len(ids) > MAX_BULK:
        raise AppError(f"give 1 to {MAX_BULK} response ids", field="ids")
    stmt = select(Response).where(Response.id.in_(ids)).order_by(Response.id).with_for_update()
    responses = list(await session.scalars(stmt))
    missing = sorted(set(ids) - {r.id for r in responses})
    if missing:
        raise NotFound(f"unknown responses {', '.join(map(str, missing[:10]))}")
    tree = await load_tree(session)
    for response in responses:
        require(principal, "manager", response.unit_id, tree)
        require_independent(principal, tree, response.unit_id)
        if response.status != "held":
            raise Conflict(N_("Phiếu %(id)s không ở trạng thái chờ xem xét.") % {"id": response.id})
    now = utcnow()
    for response in responses:
        response.status, response.review = STATUS_AFTER[decision], REVIEW_AFTER[decision]
        response.status_reason, response.status_changed_at = reason, now
        response.status_changed_by_id = actor.user_id
    await session.flush()
    for response in responses:
        changes = {"from": "held", "to": response.status, "reason": reason}
        await record(
            session,
            actor,
            f"response.{decision}",
            "response",
            response.id,
            response.unit_id,
            changes,
        )
    return ids
