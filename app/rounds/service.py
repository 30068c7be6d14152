"""Survey rounds and the units (strata) they cover."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.audit.service import Actor, record
from app.auth.principal import Principal, Role
from app.errors import AppError, Conflict, Forbidden, Gone, NotFound
from app.i18n import N_, Message
from app.models import Round, RoundUnit, Unit
from app.units.service import load_tree


async def get_round(session: AsyncSession, code: str) -> Round:
    found = await session.scalar(select(Round).where(Round.code == code))
    if found is None:
        raise NotFound(f"unknown round {code!r}")
    return found


async def list_rounds(session: AsyncSession) -> list[Round]:
    stmt = select(Round).order_by(Round.starts_on.desc(), Round.code)
    return list((await session.scalars(stmt)).all())


def _open_on(today: date) -> tuple[ColumnElement[bool], ...]:
    """A round that collects today: open, and today within its period."""
    return (Round.status == "open", Round.starts_on <= today, Round.ends_on >= today)


async def open_round_for_unit(session: AsyncSession, unit_id: int, today: date) -> Round:
    """The open round that covers this unit today (the latest started if several)."""
    stmt = (
        select(Round)
        .join(RoundUnit, RoundUnit.round_id == Round.id)
        .where(RoundUnit.unit_id == unit_id, *_open_on(today))
        .order_by(Round.starts_on.desc())
        .limit(1)
    )
    found = await session.scalar(stmt)
    if found is None:
        raise Gone(N_("Hiện đơn vị này không có đợt khảo sát nào đang mở. Xin cảm ơn Ông/Bà."))
    return found


async def serving_unit_ids(session: AsyncSession, today: date) -> set[int]:
    """The units whose form ``/s/{unit}`` serves today (covered by a round open today)."""
    rows = await session.scalars(
        select(RoundUnit.unit_id)
        .join(Round, Round.id == RoundUnit.round_id)
        .where(*_open_on(today))
        .distinct()
    )
    return set(rows.all())


async def create_round(
    session: AsyncSession,
    actor: Actor,
    *,
    code: str,
    name: str,
    form_code: str,
    starts_on: date,
    ends_on: date,
    status: str = "draft",
    unit_id: int | None = None,
) -> Round:
    """A new round (no units yet); ``unit_id`` files the audit event under that unit's scope."""
    if ends_on < starts_on:
        raise AppError("a round cannot end before it starts")
    if await session.scalar(select(Round.id).where(Round.code == code)) is not None:
        raise Conflict(f"round {code!r} exists")
    created = Round(
        code=code,
        name=name,
        form_code=form_code,
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
    )
    session.add(created)
    await session.flush()
    await record(
        session,
        actor,
        "round.create",
        "round",
        code,
        unit_id,
        {
            "form": form_code,
            "status": status,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    return created


# The life of a round: prepared as a draft, open for collection, closed, results published.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("open",),
    "open": ("closed",),
    "closed": ("published",),
}


async def change_status(
    session: AsyncSession, actor: Actor, round_: Round, to: str, unit_id: int | None = None
) -> Round:
    """Move a round one step along draft → open → closed → published; audited.

    Any other move is a 409; a round covering no unit cannot open (no counter would serve it),
    nor one whose counters another open round of an overlapping period serves.
    """
    if to not in TRANSITIONS.get(round_.status, ()):
        raise Conflict(
            Message(
                "Không thể chuyển đợt khảo sát từ trạng thái %(current)s sang %(to)s.",
                current=round_.status,
                to=to,
            )
        )
    if to == "open":
        if not await covered_unit_ids(session, round_.id):
            raise Conflict(N_("Đợt khảo sát chưa có đơn vị nào nên chưa thể mở."))
        await refuse_overlap(session, round_)
    before, round_.status = round_.status, to
    await session.flush()
    await record(
        session, actor, "round.status", "round", round_.code, unit_id, {"from": before, "to": to}
    )
    return round_


# A round's name and period can change while it is prepared or collecting; once closed, its
# period is part of the record its figures were published from.
EDITABLE = ("draft", "open")
MSG_PERIOD = N_("Ngày kết thúc phải sau ngày bắt đầu.")


def editable_fields(round_: Round) -> dict[str, str]:
    """What ``change_details`` changes, as text (the edit form's values, the audit record)."""
    return {
        "name": round_.name,
        "starts_on": round_.starts_on.isoformat(),
        "ends_on": round_.ends_on.isoformat(),
    }


async def change_details(
    session: AsyncSession,
    actor: Actor,
    round_: Round,
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    unit_id: int | None = None,
) -> Round:
    """Rename a round or move its period (a draft or open round); audited with before/after.

    An open round's new period must not overlap another open round at its counters. Responses
    already collected stay in the round whatever its new period: the period decides which
    round a counter serves on a given day, not which responses count.
    """
    if round_.status not in EDITABLE:
        raise Conflict(N_("Chỉ sửa được đợt khảo sát đang soạn hoặc đang mở."))
    if ends_on < starts_on:
        raise AppError(MSG_PERIOD)
    before = editable_fields(round_)
    round_.name, round_.starts_on, round_.ends_on = name, starts_on, ends_on
    await session.flush()
    if round_.status == "open":
        await refuse_overlap(session, round_)
    after = editable_fields(round_)
    changed = {k: {"from": before[k], "to": v} for k, v in after.items() if before[k] != v}
    await record(session, actor, "round.edit", "round", round_.code, unit_id, changed)
    return round_


async def set_volume(
    session: AsyncSession, actor: Actor, round_: Round, unit: Unit, volume: int | None
) -> RoundUnit:
    """Cover ``unit`` in the round with its transaction volume N_h (None: unknown); audited."""
    if volume is not None and volume < 0:
        raise AppError("a transaction volume cannot be negative")
    row = await session.get(RoundUnit, (round_.id, unit.id))
    if row is None and round_.status == "open":
        await refuse_overlap(session, round_, unit.id)
    if row is None:
        row = RoundUnit(round_id=round_.id, unit_id=unit.id, volume=volume)
        session.add(row)
    else:
        row.volume = volume
    await session.flush()
    await record(
        session,
        actor,
        "round.volume",
        "round",
        round_.code,
        unit.id,
        {"unit": unit.code, "volume": volume},
    )
    return row


LISTED_UNITS = 10


async def refuse_overlap(session: AsyncSession, round_: Round, unit_id: int | None = None) -> None:
    """Refuse (409) to let the open ``round_`` serve a unit (``unit_id``, or every unit it
    covers) that another open round with an overlapping period covers.

    A counter serves one open round at a time: open_round_for_unit picks the round covering
    the unit itself (not an ancestor) on that day, so two would split its responses silently.
    """
    stmt = (
        select(Round.code, Round.starts_on, Round.ends_on, Unit.code)
        .join(RoundUnit, RoundUnit.round_id == Round.id)
        .join(Unit, Unit.id == RoundUnit.unit_id)
        .where(Round.status == "open", Round.id != round_.id)
        .where(Round.starts_on <= round_.ends_on, Round.ends_on >= round_.starts_on)
        .order_by(Round.starts_on.desc(), Round.code, Unit.code)
    )
    if unit_id is None:  # a join, not an IN list of every covered id
        mine = aliased(RoundUnit)
        stmt = stmt.join(mine, and_(mine.unit_id == RoundUnit.unit_id, mine.round_id == round_.id))
    else:
        stmt = stmt.where(RoundUnit.unit_id == unit_id)
    rows = (await session.execute(stmt)).all()
    if not rows:
        return
    other, starts_on, ends_on = rows[0][:3]
    units = [code for round_code, *_, code in rows if round_code == other]
    listed = ", ".join(units[:LISTED_UNITS])
    if len(units) > LISTED_UNITS:
        listed += f", … (+{len(units) - LISTED_UNITS})"
    raise Conflict(
        f"round {round_.code} overlaps open round {other} ({starts_on} – {ends_on}) at "
        f"{listed}: a counter serves one open round at a time"
    )


async def covered_unit_ids(session: AsyncSession, round_id: int) -> set[int]:
    rows = await session.scalars(select(RoundUnit.unit_id).where(RoundUnit.round_id == round_id))
    return set(rows.all())


async def round_unit_id(session: AsyncSession, round_: Round) -> int | None:
    """The unit whose subtree holds the round (audit events are filed under it)."""
    top = (await load_tree(session)).common_ancestor(await covered_unit_ids(session, round_.id))
    return top.id if top else None


async def rounds_in_scope(session: AsyncSession, principal: Principal) -> list[Round]:
    """Rounds that cover at least one unit the principal may read."""
    rounds = await list_rounds(session)
    if principal.is_superadmin:
        return rounds
    visible = principal.visible_units("viewer", await load_tree(session)) or set()
    rows = await session.execute(select(RoundUnit.round_id, RoundUnit.unit_id))
    readable = {round_id for round_id, unit_id in rows if unit_id in visible}
    return [r for r in rounds if r.id in readable]


async def round_in_scope(
    session: AsyncSession, principal: Principal, round_code: str, role: Role
) -> Round:
    """The round, if ``principal`` holds ``role`` on every unit it covers (404 if unknown).

    Reading or changing a round's frames, plans, tokens, quotas or weights concerns all its
    units, so a scope that covers only some of them is refused (403).
    """
    round_ = await get_round(session, round_code)
    if principal.is_superadmin:
        return round_
    tree = await load_tree(session)
    outside = any(
        not principal.can(role, unit_id, tree)
        for unit_id in await covered_unit_ids(session, round_.id)
    )
    if outside or not principal.has_any(role):  # never name them: they are not the caller's
        raise Forbidden(f"round {round_code} covers units outside your scope")
    return round_
