"""Invitations: single-use tokens that open a round's form for one unit (and stratum).

A token is 144 random bits (``secrets.token_urlsafe``); only its SHA-256 is stored, which is
enough for a random secret of that size (no salt or slow hash needed: nothing to guess). The
plaintext exists only in the answer to the issuing call and in the files made from it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.collection.answers import ParsedAnswer
from app.collection.service import CounterForm, response_values, with_policy
from app.errors import AppError, Conflict, Gone, NotFound
from app.forms.registry import Catalogue
from app.integrity.admission import admit
from app.integrity.screening import Paradata, Screening
from app.models import Invitation, Round, RoundUnit, SampleDraw, SampleSelection, Unit
from app.models.base import utcnow
from app.sampling.draws import latest_draw_id
from app.sampling.quotas import count_response, ensure_not_full
from app.units.service import get_unit

TOKEN_BYTES = 18  # 144 bits, 24 URL-safe characters
MAX_BATCH = 10_000
ISSUING_STATUSES = ("draft", "open")

MSG_UNKNOWN = (
    "Không tìm thấy phiếu khảo sát của đường dẫn này. Vui lòng kiểm tra lại đường dẫn "
    "hoặc quét lại mã QR trên giấy mời."
)
MSG_ANSWERED = "Ông/Bà đã trả lời khảo sát này. Xin chân thành cảm ơn Ông/Bà!"
MSG_CLOSED = "Đợt khảo sát này đã kết thúc. Xin cảm ơn Ông/Bà đã quan tâm."
MSG_NOT_YET = "Đợt khảo sát này chưa bắt đầu. Vui lòng quay lại từ ngày {day}."


class UnknownInvitation(NotFound):
    code = "unknown_invitation"
    title = "Không tìm thấy phiếu khảo sát"


class AlreadyAnswered(Gone):
    code = "already_answered"
    title = "Ông/Bà đã trả lời khảo sát"


class RoundClosed(Gone):
    code = "round_closed"
    title = "Đợt khảo sát đã kết thúc"


class RoundNotStarted(Conflict):
    code = "round_not_started"
    title = "Đợt khảo sát chưa bắt đầu"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_url(public_base_url: str, token: str) -> str:
    return f"{public_base_url.rstrip('/')}/t/{token}"


@dataclass(frozen=True)
class IssuedInvitation:
    id: int
    token: str
    selection_id: int | None


@dataclass(frozen=True)
class IssuedBatch:
    round: Round
    unit: Unit
    stratum: str | None
    invitations: list[IssuedInvitation]


async def _issuable_unit(session: AsyncSession, round_: Round, unit_code: str) -> Unit:
    if round_.status not in ISSUING_STATUSES:
        raise Conflict(f"round {round_.code} is {round_.status}: no new invitations")
    unit = await get_unit(session, unit_code)
    if await session.get(RoundUnit, (round_.id, unit.id)) is None:
        raise AppError(f"unit {unit.code} is not covered by round {round_.code}")
    return unit


async def _refuse_invited(
    session: AsyncSession, round_: Round, unit: Unit, selection_ids: Sequence[int]
) -> None:
    """Selections must be distinct, drawn in this round at this unit, and not yet invited."""
    if len(set(selection_ids)) != len(selection_ids):
        raise AppError("selection ids must be distinct")
    drawn = await session.scalars(
        select(SampleSelection.id)
        .join(SampleDraw, SampleDraw.id == SampleSelection.draw_id)
        .where(SampleSelection.id.in_(selection_ids))
        .where(SampleDraw.round_id == round_.id, SampleSelection.unit_id == unit.id)
    )
    if unknown := sorted(set(selection_ids) - set(drawn.all())):
        listed = ", ".join(map(str, unknown[:10]))
        raise AppError(f"not drawn in round {round_.code} at unit {unit.code}: {listed}")
    taken = await session.scalars(
        select(Invitation.selection_id).where(Invitation.selection_id.in_(selection_ids))
    )
    if found := sorted(i for i in taken.all() if i is not None):
        listed = ", ".join(map(str, found[:10]))
        raise Conflict(f"{len(found)} selection(s) already have an invitation: {listed}")


async def issue_invitations(
    session: AsyncSession,
    actor: Actor,
    round_: Round,
    unit_code: str,
    *,
    stratum: str | None = None,
    count: int | None = None,
    selection_ids: Sequence[int] | None = None,
) -> IssuedBatch:
    """Issue ``count`` tokens, or one per selection id, for a unit of the round (audited)."""
    unit = await _issuable_unit(session, round_, unit_code)
    if (count is None) == (selection_ids is None):
        raise AppError("give either a count or selection ids")
    targets: list[int | None] = list(selection_ids) if selection_ids is not None else []
    if selection_ids is not None:
        await _refuse_invited(session, round_, unit, selection_ids)
    else:
        targets = [None] * (count or 0)
    if not 1 <= len(targets) <= MAX_BATCH:
        raise AppError(f"issue between 1 and {MAX_BATCH} invitations at a time")
    tokens = [secrets.token_urlsafe(TOKEN_BYTES) for _ in targets]
    rows = [
        {"token_hash": token_hash(token), "round_id": round_.id, "unit_id": unit.id}
        | {"stratum": stratum or None, "selection_id": selection_id, "created_at": utcnow()}
        for token, selection_id in zip(tokens, targets, strict=True)
    ]
    try:
        stmt = insert(Invitation).returning(Invitation.id, sort_by_parameter_order=True)
        ids = (await session.scalars(stmt, rows)).all()
    except IntegrityError as exc:  # a concurrent call invited the same selection
        raise Conflict("some selections were invited at the same time; try again") from exc
    changes = {"unit": unit.code, "stratum": stratum or None, "count": len(ids)}
    changes["selections"] = selection_ids is not None
    await record(session, actor, "invitation.issue", "round", round_.code, unit.id, changes)
    issued = [
        IssuedInvitation(id_, token, selection_id)
        for id_, token, selection_id in zip(ids, tokens, targets, strict=True)
    ]
    return IssuedBatch(round_, unit, stratum or None, issued)


async def invitation_counts(
    session: AsyncSession, round_id: int
) -> dict[tuple[int, str | None], tuple[int, int]]:
    """(issued, redeemed) per (unit id, stratum) of the round."""
    stmt = (
        select(
            Invitation.unit_id,
            Invitation.stratum,
            func.count(),
            func.count(Invitation.redeemed_at),
        )
        .where(Invitation.round_id == round_id)
        .group_by(Invitation.unit_id, Invitation.stratum)
    )
    rows = await session.execute(stmt)
    return {(unit, stratum): (issued, redeemed) for unit, stratum, issued, redeemed in rows}


async def uninvited_selections(session: AsyncSession, round_id: int) -> dict[int, list[int]]:
    """Selections of the round's latest draw that have no invitation yet, by unit id."""
    rows = await session.execute(
        select(SampleSelection.unit_id, SampleSelection.id)
        .outerjoin(Invitation, Invitation.selection_id == SampleSelection.id)
        .where(SampleSelection.draw_id == latest_draw_id(round_id), Invitation.id.is_(None))
        .order_by(SampleSelection.id)
    )
    found: dict[int, list[int]] = defaultdict(list)
    for unit_id, selection_id in rows:
        found[unit_id].append(selection_id)
    return found


@dataclass(frozen=True)
class InvitedForm:
    invitation: Invitation
    target: CounterForm


async def find_invitation(session: AsyncSession, token: str) -> tuple[Invitation, Round, Unit]:
    """The invitation of a token, with its round and unit; 404 for unknown or garbage."""
    if not 16 <= len(token) <= 64:
        raise UnknownInvitation(MSG_UNKNOWN)
    stmt = (
        select(Invitation, Round, Unit)
        .join(Round, Round.id == Invitation.round_id)
        .join(Unit, Unit.id == Invitation.unit_id)
        .where(Invitation.token_hash == token_hash(token))
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        raise UnknownInvitation(MSG_UNKNOWN)
    invitation, round_, unit = row
    return invitation, round_, unit


async def open_invitation(
    session: AsyncSession, catalogue: Catalogue, token: str, today: date
) -> InvitedForm:
    """The form a token opens: 404 unknown, 410 answered, closed round or full quota."""
    invitation, round_, unit = await find_invitation(session, token)
    if invitation.redeemed_at is not None:
        raise AlreadyAnswered(MSG_ANSWERED)
    if round_.status in ("closed", "published") or today > round_.ends_on:
        raise RoundClosed(MSG_CLOSED)
    if round_.status != "open" or today < round_.starts_on:
        raise RoundNotStarted(MSG_NOT_YET.format(day=round_.starts_on.strftime("%d/%m/%Y")))
    await ensure_not_full(session, round_.id, unit.id, invitation.stratum)
    target = CounterForm(unit, round_, catalogue.get(round_.form_code))
    return InvitedForm(invitation, with_policy(target, None))


async def redeem(
    session: AsyncSession,
    invited: InvitedForm,
    submission_id: str,
    answers: list[ParsedAnswer],
    paradata: Paradata,
    screening: Screening,
) -> str:
    """Redeem the invitation and store its response, in this one transaction.

    The conditional UPDATE is the gate: of concurrent submissions for one token, exactly one
    sees ``redeemed_at IS NULL`` (the others wait for its row lock, then find it set) and
    the rest are answered "already answered"; a failure later rolls the redemption back.
    The unique ``response.invitation_id`` backs it up: a second response is never stored.
    """
    invitation = invited.invitation
    redeemed = await session.scalar(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.redeemed_at.is_(None))
        .values(redeemed_at=utcnow())
        .returning(Invitation.id)
        .execution_options(synchronize_session=False)
    )
    if redeemed is None:
        raise AlreadyAnswered(MSG_ANSWERED)
    values = {
        **response_values(invited.target, submission_id, "token", answers),
        "invitation_id": invitation.id,
        "stratum": invitation.stratum,
    }
    admission = await admit(session, values, answers, paradata, screening)
    if not admission.stored or admission.response_id is None:
        raise AlreadyAnswered(MSG_ANSWERED)
    if admission.outcome == "valid":  # a held response fills no quota until accepted
        target = invited.target
        await count_response(
            session, target.round.id, target.unit.id, invitation.stratum, admission.response_id
        )
    return admission.outcome
