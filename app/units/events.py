"""Reorganisation events: each closes the version in force of the units it touches and opens
the next from its effective date (app/units/history.py), links what continues where with a
share (``unit_link``), is audited, and can be reverted until a published round uses it.

Kinds: ``merge`` (app/units/lineage.py), ``split`` (one unit into several, each successor
taking a share of its transactions and responses), ``transfer`` (a share of one unit, and
optionally some of its children, moves to another that stays), ``rename``, ``relevel``,
``move`` (under another parent), ``dissolve`` (stops; its data stays with its parent).

An event on a unit must be later than every event already on it (a contradicting date is
refused: revert the later one first). An event effective today or earlier changes the
``unit`` row (today's structure, which access control and forms read) at once; a later one
changes it when it falls due (background task ``units.apply_due``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import CLI, Actor, record
from app.auth.access import require
from app.auth.principal import Principal
from app.config import get_settings
from app.errors import AppError, Conflict, NotFound
from app.i18n import Message
from app.models import Round, Unit, UnitEvent, UnitLink, UnitVersion
from app.models.base import utcnow
from app.units.service import get_unit, load_tree

SHARE_TOLERANCE = 1e-6


def local_today() -> date:
    """Today in the province's time zone (what "effective today" means)."""
    return get_settings().today()


async def live_versions(session: AsyncSession, unit_id: int) -> list[UnitVersion]:
    """The unit's versions from events not reverted, oldest first."""
    rows = await session.scalars(
        select(UnitVersion)
        .join(UnitEvent, UnitEvent.id == UnitVersion.event_id, isouter=True)
        .where(UnitVersion.unit_id == unit_id, UnitEvent.reverted_at.is_(None))
        .order_by(UnitVersion.valid_from.asc().nulls_first(), UnitVersion.id)
    )
    return list(rows)


def _sync_row(unit: Unit, versions: Sequence[UnitVersion], today: date) -> None:
    """The ``unit`` row is today's structure: the version valid today; its ``inactive_from``
    and ``successor_id`` state the unit's last version if that stops it (also ahead)."""
    if not versions:
        return
    now = [v for v in versions if v.valid_from is None or v.valid_from <= today]
    current = now[-1] if now else versions[0]
    unit.name, unit.level, unit.parent_id = current.name, current.level, current.parent_id
    last = versions[-1]
    stopped = last.status == "inactive"
    unit.inactive_from = last.valid_from if stopped else None
    unit.successor_id = last.successor_id if stopped else None


async def open_version(
    session: AsyncSession,
    event: UnitEvent,
    unit: Unit,
    today: date,
    *,
    new: bool = False,
    **changes: Any,
) -> UnitVersion:
    """Close the unit's version in force at the event's date and open the next with
    ``changes`` (parent_id, name, level, status, successor_id). ``new``: the event creates the
    unit (no version before it)."""
    versions = await live_versions(session, unit.id)
    day = event.effective
    if not versions and not new:
        base = UnitVersion(
            unit_id=unit.id,
            valid_from=None,
            valid_to=day,
            parent_id=unit.parent_id,
            name=unit.name,
            level=unit.level,
            status="inactive" if unit.inactive_from and unit.inactive_from <= day else "active",
            successor_id=unit.successor_id,
        )
        session.add(base)
        versions = [base]
    if versions:
        last = versions[-1]
        # the same day: a second change that day follows the first (whose period is empty)
        if last.valid_from is not None and last.valid_from > day:
            raise Conflict(
                Message(
                    "Đơn vị %(code)s đã có một thay đổi từ ngày %(day)s: "
                    "hãy hủy thay đổi đó trước.",
                    code=unit.code,
                    day=last.valid_from.isoformat(),
                ),
                field="effective",
            )
        if last.status == "inactive" and last.valid_from is not None:
            raise Conflict(
                Message("Đơn vị %(code)s đã ngừng hoạt động.", code=unit.code), field="units"
            )
        last.valid_to = day
        attrs = {
            "parent_id": last.parent_id,
            "name": last.name,
            "level": last.level,
            "status": "active",
            "successor_id": None,
        }
    else:
        attrs = {
            "parent_id": unit.parent_id,
            "name": unit.name,
            "level": unit.level,
            "status": "active",
            "successor_id": None,
        }
    attrs.update(changes)
    version = UnitVersion(
        unit_id=unit.id, valid_from=day, valid_to=None, event_id=event.id, **attrs
    )
    session.add(version)
    await session.flush()
    _sync_row(unit, [*versions, version], today)
    return version


async def new_event(
    session: AsyncSession, actor: Actor, kind: str, effective: date, details: dict[str, Any]
) -> UnitEvent:
    event = UnitEvent(kind=kind, effective=effective, details=details, created_by=actor.label)
    session.add(event)
    await session.flush()
    return event


async def link(
    session: AsyncSession, event: UnitEvent, source: Unit, to: Unit, share: float
) -> None:
    session.add(UnitLink(event_id=event.id, from_unit_id=source.id, to_unit_id=to.id, share=share))
    await session.flush()


async def _scope(session: AsyncSession, principal: Principal | None, units: Sequence[Unit]) -> None:
    if principal is None:
        return
    tree = await load_tree(session)
    for unit in units:
        require(principal, "admin", unit.id, tree)


@dataclass(frozen=True)
class Change:
    """A rename, re-level, move or dissolution of one unit from ``effective``."""

    kind: str
    unit: str
    effective: date
    name: str | None = None
    level: str | None = None
    parent: str | None = None


async def change_unit(
    session: AsyncSession, actor: Actor, req: Change, principal: Principal | None = None
) -> UnitEvent:
    """Record a rename/relevel/move/dissolve; audited; admin on the unit (and new parent)."""
    unit = await get_unit(session, req.unit)
    changes: dict[str, Any] = {}
    scoped = [unit]
    if req.kind == "rename":
        if not (req.name or "").strip():
            raise AppError(Message("Vui lòng nhập tên mới."), field="name")
        changes["name"] = req.name.strip() if req.name else ""
    elif req.kind == "relevel":
        if not (req.level or "").strip():
            raise AppError(Message("Vui lòng nhập cấp mới."), field="level")
        changes["level"] = (req.level or "").strip()
    elif req.kind == "move":
        if not req.parent:
            raise AppError(Message("Vui lòng chọn đơn vị cấp trên mới."), field="parent")
        parent = await get_unit(session, req.parent)
        tree = await load_tree(session)
        if parent.id in tree.subtree_ids(unit.id):
            raise AppError(
                Message("Không thể chuyển %(code)s vào bên trong chính nó.", code=unit.code),
                field="parent",
            )
        changes["parent_id"] = parent.id
        scoped.append(parent)
    elif req.kind == "dissolve":
        changes["status"] = "inactive"
    else:
        raise AppError(f"unknown change {req.kind!r}", field="kind")
    await _scope(session, principal, scoped)
    details = {
        "unit": unit.code,
        **{
            k: v for k, v in (("name", req.name), ("level", req.level), ("parent", req.parent)) if v
        },
    }
    event = await new_event(session, actor, req.kind, req.effective, details)
    await open_version(session, event, unit, local_today(), **changes)
    await record(
        session,
        actor,
        f"unit.{req.kind}",
        "unit",
        unit.code,
        unit.id,
        {"event": event.id, "effective": req.effective.isoformat(), **details},
    )
    return event


@dataclass(frozen=True)
class Successor:
    code: str
    share: float
    name: str | None = None  # creates the unit (under the split unit's parent, at its level)


@dataclass(frozen=True)
class SplitRequest:
    unit: str
    into: Sequence[Successor]
    effective: date
    children: dict[str, str] = field(default_factory=dict)  # child code -> successor code


def check_shares(shares: Sequence[float]) -> bool:
    return (
        all(0 < s <= 1 and math.isfinite(s) for s in shares)
        and abs(sum(shares) - 1) <= SHARE_TOLERANCE
    )


async def split_unit(
    session: AsyncSession, actor: Actor, req: SplitRequest, principal: Principal | None = None
) -> UnitEvent:
    """One unit into several from ``effective``: it stops, each successor (existing, or new
    under its parent) takes its share; ``children`` move to the successor named."""
    unit = await get_unit(session, req.unit)
    if len(req.into) < 2:
        raise AppError(Message("Một đơn vị được chia thành ít nhất hai đơn vị."), field="into")
    if not check_shares([s.share for s in req.into]):
        raise AppError(
            Message("Tỷ lệ của các đơn vị kế thừa phải dương và cộng lại bằng 1."), field="into"
        )
    codes = [s.code for s in req.into]
    if len(set(codes)) != len(codes) or unit.code in codes:
        raise AppError(Message("Một đơn vị được chọn hai lần."), field="into")
    await _scope(session, principal, [unit])
    today = local_today()
    event = await new_event(
        session,
        actor,
        "split",
        req.effective,
        {
            "unit": unit.code,
            "into": [{"code": s.code, "share": s.share} for s in req.into],
            "children": dict(req.children),
        },
    )
    successors: dict[str, Unit] = {}
    for s in req.into:
        found = await session.scalar(select(Unit).where(Unit.code == s.code))
        if found is None:
            if not s.name:
                raise AppError(
                    Message("Chưa có đơn vị %(code)s: nhập tên để tạo mới.", code=s.code),
                    field="into",
                )
            found = Unit(code=s.code, name=s.name, level=unit.level, parent_id=unit.parent_id)
            session.add(found)
            await session.flush()
            await open_version(session, event, found, today, new=True)
            await record(
                session,
                actor,
                "unit.create",
                "unit",
                s.code,
                found.id,
                {"name": s.name, "event": event.id},
            )
        successors[s.code] = found
        await link(session, event, unit, found, s.share)
    for child_code, to in req.children.items():
        child = await get_unit(session, child_code)
        if child.parent_id != unit.id or to not in successors:
            raise AppError(
                Message(
                    "%(code)s không trực thuộc đơn vị được chia, "
                    "hoặc nơi chuyển đến không phải một đơn vị kế thừa.",
                    code=child_code,
                ),
                field="children",
            )
        await open_version(session, event, child, today, parent_id=successors[to].id)
    await open_version(session, event, unit, today, status="inactive")
    await record(
        session,
        actor,
        "unit.split",
        "unit",
        unit.code,
        unit.id,
        {"event": event.id, "effective": req.effective.isoformat(), "into": event.details["into"]},
    )
    return event


@dataclass(frozen=True)
class TransferRequest:
    source: str
    to: str
    share: float
    effective: date
    children: Sequence[str] = ()  # the source's children that move with the part


async def transfer_part(
    session: AsyncSession, actor: Actor, req: TransferRequest, principal: Principal | None = None
) -> UnitEvent:
    """Part of ``source`` (``share`` of its transactions and responses, and ``children``)
    belongs to ``to`` from ``effective``; both stay active."""
    source, to = await get_unit(session, req.source), await get_unit(session, req.to)
    if source.id == to.id:
        raise AppError(Message("Không thể chuyển một phần đơn vị vào chính nó."), field="to")
    if not (0 < req.share < 1):
        raise AppError(Message("Tỷ lệ chuyển phải lớn hơn 0 và nhỏ hơn 1."), field="share")
    await _scope(session, principal, [source, to])
    today = local_today()
    event = await new_event(
        session,
        actor,
        "transfer",
        req.effective,
        {"from": source.code, "to": to.code, "share": req.share, "children": list(req.children)},
    )
    await link(session, event, source, to, req.share)
    for code in req.children:
        child = await get_unit(session, code)
        if child.parent_id != source.id:
            raise AppError(
                Message("%(code)s không trực thuộc %(parent)s.", code=code, parent=source.code),
                field="children",
            )
        await open_version(session, event, child, today, parent_id=to.id)
    await record(
        session,
        actor,
        "unit.transfer",
        "unit",
        source.code,
        source.id,
        {
            "event": event.id,
            "effective": req.effective.isoformat(),
            "to": to.code,
            "share": req.share,
        },
    )
    return event


async def using_round(session: AsyncSession, event: UnitEvent) -> Round | None:
    """A published round whose period reaches the event's date (its figures may use it)."""
    return await session.scalar(
        select(Round)
        .where(Round.status == "published", Round.ends_on >= event.effective)
        .order_by(Round.starts_on)
        .limit(1)
    )


async def revert_event(
    session: AsyncSession, actor: Actor, event_id: int, principal: Principal | None = None
) -> UnitEvent:
    """Undo an event (its versions stop counting, the units' rows follow); refused once a
    published round uses it, or while a later event touches the same units."""
    event = await session.get(UnitEvent, event_id)
    if event is None:
        raise NotFound(f"unknown reorganisation event {event_id}")
    if event.reverted_at is not None:
        raise Conflict(Message("Thay đổi này đã được hủy."))
    used = await using_round(session, event)
    if used is not None:
        raise Conflict(
            Message(
                "Đợt %(round)s đã công bố số liệu dùng thay đổi này: không thể hủy.",
                round=used.code,
            )
        )
    mine = list(await session.scalars(select(UnitVersion).where(UnitVersion.event_id == event.id)))
    units = [await session.get(Unit, v.unit_id) for v in mine]
    await _scope(session, principal, [u for u in units if u is not None])
    for unit in units:
        assert unit is not None
        versions = await live_versions(session, unit.id)
        if versions and versions[-1].event_id != event.id:
            raise Conflict(
                Message(
                    "Đơn vị %(code)s có một thay đổi sau thay đổi này: hãy hủy thay đổi đó trước.",
                    code=unit.code,
                )
            )
    event.reverted_at, event.reverted_by = utcnow(), actor.label
    await session.flush()
    today = local_today()
    for unit in units:
        assert unit is not None
        versions = await live_versions(session, unit.id)
        for before, after in pairwise(versions):
            before.valid_to = after.valid_from
        if versions:
            versions[-1].valid_to = None
            _sync_row(unit, versions, today)
        else:  # created by the event: it stops where it started
            unit.inactive_from = event.effective
    await session.flush()
    await record(
        session,
        actor,
        "unit.revert",
        "unit",
        units[0].code if units and units[0] else None,
        units[0].id if units and units[0] else None,
        {"event": event.id, "kind": event.kind},
    )
    return event


async def apply_due(session: AsyncSession, today: date) -> int:
    """Bring ``unit`` rows to today's versions (events that fell due), each change audited
    (``unit.due``); returns rows changed."""
    rows = await session.execute(
        select(Unit, UnitVersion)
        .join(UnitVersion, UnitVersion.unit_id == Unit.id)
        .join(UnitEvent, UnitEvent.id == UnitVersion.event_id, isouter=True)
        .where(
            UnitEvent.reverted_at.is_(None),
            UnitVersion.valid_from.is_not(None),
            UnitVersion.valid_from <= today,
            (UnitVersion.valid_to.is_(None)) | (UnitVersion.valid_to > today),
        )
    )
    changed = 0
    for unit, version in rows:
        if (unit.name, unit.level, unit.parent_id) != (
            version.name,
            version.level,
            version.parent_id,
        ):
            unit.name, unit.level, unit.parent_id = version.name, version.level, version.parent_id
            changed += 1
            await record(
                session, CLI, "unit.due", "unit", unit.code, unit.id, {"event": version.event_id}
            )
    await session.flush()
    return changed


async def events_in_scope(
    session: AsyncSession, principal: Principal, limit: int
) -> list[UnitEvent]:
    """Reorganisation events touching a unit the admin administers, latest effective first
    (reverted ones included, marked)."""
    events = list(
        await session.scalars(
            select(UnitEvent).order_by(UnitEvent.effective.desc(), UnitEvent.id.desc()).limit(limit)
        )
    )
    visible = principal.visible_units("admin", await load_tree(session))
    if visible is None:
        return events
    ids = [e.id for e in events]
    touched: dict[int | None, set[int]] = {}
    for event_id, unit_id in await session.execute(
        select(UnitVersion.event_id, UnitVersion.unit_id).where(UnitVersion.event_id.in_(ids))
    ):
        touched.setdefault(event_id, set()).add(unit_id)
    for event_id, unit_id in await session.execute(
        select(UnitLink.event_id, UnitLink.from_unit_id).where(UnitLink.event_id.in_(ids))
    ):
        touched.setdefault(event_id, set()).add(unit_id)
    return [e for e in events if touched.get(e.id, set()) & visible]
