"""Integrity services behind the API and console: policy, report, held list, receipts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.access import require
from app.auth.principal import Principal
from app.auth.scope import units_in_scope
from app.config import Settings
from app.errors import AppError
from app.integrity.policy import IntegrityPolicy, parse_policy, policy_of
from app.integrity.receipts import ALGORITHM, issue_code, receipt_url, round_key
from app.integrity.schemas import (
    HeldPage,
    HeldResponse,
    IntegrityReport,
    ReceiptKey,
    ReceiptOut,
    UnitIntegrity,
)
from app.models import IntegritySummary, Response, ResponseFlag, Round, RoundUnit, Unit
from app.models.base import as_utc
from app.rounds.service import round_unit_id
from app.units.service import UnitTree, get_unit, load_tree


def policy_for(round_: Round) -> IntegrityPolicy:
    return policy_of(round_.integrity_policy)


async def set_policy(
    session: AsyncSession, actor: Actor, round_: Round, given: dict[str, Any]
) -> IntegrityPolicy:
    """Replace the round's policy (validated: a 422 names the field); audited."""
    policy = parse_policy(given)
    before = policy_for(round_).model_dump()
    round_.integrity_policy = policy.model_dump()
    await session.flush()
    changes = {"before": before, "after": policy.model_dump()}
    unit_id = await round_unit_id(session, round_)
    await record(session, actor, "round.integrity_policy", "round", round_.id, unit_id, changes)
    return policy


async def report_for(
    session: AsyncSession, round_: Round, tree: UnitTree, visible: set[int] | None
) -> IntegrityReport:
    """The stored report, cut to the units in ``visible`` (None: all)."""
    stored = await session.get(IntegritySummary, round_.id)
    units = stored.report["units"] if stored else []
    shown = [
        UnitIntegrity.model_validate(u)
        for u in units
        if visible is None or (u["unit"] in tree.by_code and tree.by_code[u["unit"]].id in visible)
    ]
    return IntegrityReport(
        round=round_.code,
        as_of=as_utc(stored.as_of) if stored else None,
        policy=policy_for(round_),
        units=shown,
    )


async def held_page(
    session: AsyncSession,
    principal: Principal,
    round_: Round,
    unit: str | None,
    before: int | None,
    limit: int,
) -> HeldPage:
    """Held responses of ``round_`` in scope, newest first, with their flags."""
    units = units_in_scope(principal, await load_tree(session), unit)
    return await held_of(session, round_, units, before, limit)


async def held_of(
    session: AsyncSession, round_: Round, units: set[int] | None, before: int | None, limit: int
) -> HeldPage:
    """Held responses of ``round_`` at ``units`` (None: all), newest first, with their flags."""
    where = [Response.round_id == round_.id, Response.status == "held"]
    if units is not None:
        where.append(Response.unit_id.in_(units))
    if before is not None:
        where.append(Response.id < before)
    flags = (
        select(
            func.group_concat(ResponseFlag.rule, ",")
            if session.get_bind().dialect.name == "sqlite"
            else func.string_agg(ResponseFlag.rule, ",")
        )
        .where(ResponseFlag.response_id == Response.id)
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(Response, Unit.code, flags)
            .join(Unit, Unit.id == Response.unit_id)
            .where(*where)
            .order_by(Response.id.desc())
            .limit(limit + 1)
        )
    ).all()
    items = [
        HeldResponse(
            id=r.id,
            unit=code,
            channel=r.channel,
            submitted_at=as_utc(r.submitted_at),
            seconds_to_complete=(
                round((as_utc(r.submitted_at) - as_utc(r.issued_at)).total_seconds(), 1)
                if r.issued_at
                else None
            ),
            flags=sorted(f for f in (found or "").split(",") if f),
        )
        for r, code, found in rows[:limit]
    ]
    return HeldPage(items=items, next_before=items[-1].id if len(rows) > limit else None)


async def issue_receipts(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    round_: Round,
    unit_code: str,
    dossiers: list[str],
    principal: Principal | None = None,
) -> list[ReceiptOut]:
    """Codes for ``dossiers`` at a unit the round covers (``principal``: a manager of that
    unit, checked here); audited by count."""
    unit = await get_unit(session, unit_code)
    if principal is not None:
        require(principal, "manager", unit.id, await load_tree(session))
    if await session.get(RoundUnit, (round_.id, unit.id)) is None:
        raise AppError(f"unit {unit.code} is not covered by round {round_.code}", field="unit")
    key = round_key(settings.secret_key, round_.code)
    codes = [issue_code(key, unit.code, d) for d in dossiers]
    await record(
        session, actor, "receipts.issue", "round", round_.id, unit.id, {"count": len(codes)}
    )
    return [
        ReceiptOut(dossier=d, code=c, url=receipt_url(settings.public_base_url, c))
        for d, c in zip(dossiers, codes, strict=True)
    ]


async def receipt_key(
    session: AsyncSession, actor: Actor, settings: Settings, round_: Round
) -> ReceiptKey:
    """The round's signing key (hex), handed to a vendor: audited."""
    unit_id = await round_unit_id(session, round_)
    await record(session, actor, "receipts.key", "round", round_.id, unit_id, {})
    return ReceiptKey(
        round=round_.code,
        key=round_key(settings.secret_key, round_.code).hex(),
        algorithm=ALGORITHM,
    )
