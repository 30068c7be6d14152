"""Responses for staff: list and filter in scope, open one, exclude or restore it.

Nothing is deleted: excluding sets ``status`` to 'excluded' (statistics count only 'valid'
responses, and the N_h/n_h weights are derived when read, so every figure follows at once),
keeps why, by whom and when, and is audited; restoring reverses it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.access import require
from app.auth.principal import Principal
from app.auth.scope import units_in_scope
from app.comments.calendar import day_start
from app.config import Settings
from app.errors import AppError, Conflict, NotFound
from app.i18n import N_
from app.instruments.stored import stored_instruments
from app.integrity.review import require_independent
from app.models import Answer, Comment, FormVersion, Response, Round, Unit, User
from app.models.base import as_utc, utcnow
from app.responses.display import present
from app.responses.schemas import CommentRef, ResponseDetail, ResponseItem, ResponsePage
from app.rounds.service import get_round
from app.units.service import load_tree


@dataclass(frozen=True)
class ResponseFilter:
    round: str | None = None
    unit: str | None = None  # a unit code: its whole subtree
    channel: str | None = None
    since: date | None = None  # local dates, both inclusive
    until: date | None = None
    status: str | None = None
    commented: bool | None = None  # holds free text handled as a comment
    over_quota: bool | None = None  # accepted over a soft quota

    @property
    def reversed(self) -> bool:
        """A period that ends before it starts: it holds nothing."""
        return self.since is not None and self.until is not None and self.since > self.until


ALREADY = {
    "excluded": N_("Phiếu này đã bị loại khỏi thống kê."),
    "valid": N_("Phiếu này đang được tính trong thống kê."),
}
MSG_HELD = N_("Phiếu này đang chờ xem xét: hãy chấp nhận hoặc loại nó trong mục Xem xét phiếu.")
HAS_COMMENT = select(Comment.id).where(Comment.response_id == Response.id).exists()


async def conditions(
    session: AsyncSession, principal: Principal, settings: Settings, f: ResponseFilter
) -> list[ColumnElement[bool]]:
    """The filter as SQL conditions on ``response``, cut to the principal's scope."""
    units = units_in_scope(principal, await load_tree(session), f.unit)
    found: list[ColumnElement[bool]] = []
    if units is not None:
        found.append(Response.unit_id.in_(units))
    if f.round:
        found.append(Response.round_id == (await get_round(session, f.round)).id)
    if f.channel:
        found.append(Response.channel == f.channel)
    if f.since:
        found.append(Response.submitted_at >= day_start(f.since, settings))
    if f.until:
        found.append(Response.submitted_at < day_start(f.until + timedelta(days=1), settings))
    if f.status:
        found.append(Response.status == f.status)
    if f.commented is not None:
        found.append(HAS_COMMENT if f.commented else ~HAS_COMMENT)
    if f.over_quota is not None:
        found.append(Response.over_quota.is_(f.over_quota))
    return found


def _listing() -> Select[Response, str, str, str, bool]:
    return (
        select(Response, Round.code, Unit.code, Unit.name, HAS_COMMENT.label("has_comment"))
        .join(Round, Round.id == Response.round_id)
        .join(Unit, Unit.id == Response.unit_id)
    )


def _item(response: Response, round_code: str, code: str, name: str, has: bool) -> ResponseItem:
    return ResponseItem(
        id=response.id,
        round=round_code,
        unit=code,
        unit_name=name,
        channel=response.channel,
        status=response.status,
        submitted_at=as_utc(response.submitted_at),
        status_reason=response.status_reason,
        has_comment=bool(has),
        over_quota=response.over_quota,
    )


async def list_responses(
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    f: ResponseFilter,
    before: int | None = None,
    limit: int = 50,
) -> ResponsePage:
    """Responses matching ``f`` in scope, newest first, one page (keyset on the id)."""
    where = await conditions(session, principal, settings, f)
    if before is not None:
        where.append(Response.id < before)
    rows = (
        await session.execute(
            _listing().where(*where).order_by(Response.id.desc()).limit(limit + 1)
        )
    ).all()
    items = [_item(*row) for row in rows[:limit]]
    return ResponsePage(items=items, next_before=items[-1].id if len(rows) > limit else None)


async def response_detail(
    session: AsyncSession, principal: Principal, response_id: int, lang: str = "vi"
) -> ResponseDetail:
    """One response in scope, with every answer labelled as its instrument version asked it."""
    row = (
        await session.execute(
            _listing()
            .add_columns(FormVersion.code, FormVersion.version, User.email)
            .join(FormVersion, FormVersion.id == Response.form_version_id)
            .outerjoin(User, User.id == Response.status_changed_by_id)
            .where(Response.id == response_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"unknown response {response_id}")
    response, form_code, form_version, changed_by = row[0], row[5], row[6], row[7]
    require(principal, "viewer", response.unit_id, await load_tree(session))
    answers = (await session.scalars(select(Answer).where(Answer.response_id == response.id))).all()
    comments = (
        await session.execute(
            select(Comment.id, Comment.question, Comment.status).where(
                Comment.response_id == response.id
            )
        )
    ).all()
    instrument = (await stored_instruments(session, [response.form_version_id]))[
        response.form_version_id
    ]
    return ResponseDetail(
        **_item(*row[:5]).model_dump(),
        form=form_code,
        form_version=form_version,
        status_changed_by=changed_by,
        status_changed_at=as_utc(response.status_changed_at)
        if response.status_changed_at
        else None,
        answers=present(instrument, answers, lang, {q: cid for cid, q, _ in comments}),
        comments=[CommentRef(id=cid, question=q, status=s) for cid, q, s in comments],
    )


async def set_status(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    response_id: int,
    status: str,
    reason: str,
) -> ResponseDetail:
    """Exclude ('excluded') or restore ('valid') a response of a unit in the manager's scope.

    A reason is required to exclude. 409 when the response already has that status.
    """
    stmt = select(Response).where(Response.id == response_id).with_for_update()
    response = await session.scalar(stmt)
    if response is None:
        raise NotFound(f"unknown response {response_id}")
    tree = await load_tree(session)
    require(principal, "manager", response.unit_id, tree)
    if response.status == "held":  # only a review decides a held response (app/integrity)
        raise Conflict(MSG_HELD)
    if response.review == "rejected":  # nor may a unit's own staff undo a rejection
        require_independent(principal, tree, response.unit_id)
    reason = reason.strip()
    if status == "excluded" and not reason:
        raise AppError(N_("Vui lòng ghi lý do loại phiếu."), field="reason")
    if response.status == status:
        raise Conflict(ALREADY[status])
    previous = response.status
    response.status, response.status_reason = status, reason or None
    response.status_changed_by_id, response.status_changed_at = actor.user_id, utcnow()
    await session.flush()
    action = "response.exclude" if status == "excluded" else "response.restore"
    changes = {"from": previous, "to": status, "reason": reason}
    await record(session, actor, action, "response", response.id, response.unit_id, changes)
    return await response_detail(session, principal, response_id)
