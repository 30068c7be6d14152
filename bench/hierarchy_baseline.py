"""The resolver as it was before #16's fourth session (commit c8406df), kept for
bench/hierarchy_time.py to time beside the current one: one query with the version valid on
the day joined per unit (and a correlated EXISTS for a later version), built per day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Unit, UnitEvent, UnitVersion
from app.units.history import DatedTree
from app.units.service import UnitNode
from app.units.snapshot import Picked as Resolved


async def baseline_resolve(session: AsyncSession, day: date) -> DatedTree:
    """The hierarchy on ``day``: one query (each unit with its version valid that day, if any,
    and whether it has a version at all)."""
    live = (
        select(UnitVersion)
        .join(UnitEvent, UnitEvent.id == UnitVersion.event_id, isouter=True)
        .where(UnitEvent.reverted_at.is_(None))
        .subquery()
    )
    valid = (
        select(live)
        .where(
            or_(live.c.valid_from.is_(None), live.c.valid_from <= day),
            or_(live.c.valid_to.is_(None), live.c.valid_to > day),
        )
        .subquery()
    )
    has_later = (
        select(UnitVersion.id)
        .where(UnitVersion.unit_id == Unit.id, UnitVersion.valid_from > day)
        .exists()
    )
    rows = await session.execute(
        select(
            Unit.id,
            Unit.code,
            Unit.name,
            Unit.level,
            Unit.parent_id,
            Unit.inactive_from,
            Unit.successor_id,
            valid.c.id,
            valid.c.name,
            valid.c.level,
            valid.c.parent_id,
            valid.c.status,
            valid.c.successor_id,
            has_later,
        ).join(valid, valid.c.unit_id == Unit.id, isouter=True)
    )
    resolved = []
    for (
        uid,
        code,
        name,
        level,
        parent,
        stops,
        succ,
        vid,
        vname,
        vlevel,
        vparent,
        vstatus,
        vsucc,
        later,
    ) in rows:
        if vid is not None:
            node = UnitNode(uid, code, vname, vlevel, vparent)
            resolved.append(Resolved(node, vstatus == "active", vsucc, False))
        elif later:  # versions start after the day: created later, at its first place
            resolved.append(Resolved(UnitNode(uid, code, name, level, parent), True, None, True))
        else:  # never reorganised (or merged before versions existed)
            stopped = stops is not None and stops <= day
            node = UnitNode(uid, code, name, level, parent)
            resolved.append(Resolved(node, not stopped, succ if stopped else None, False))
    return DatedTree(day, resolved)
