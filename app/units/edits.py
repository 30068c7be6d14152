"""Unit edits made outside reorganisation events — the units import (``sipas units import``,
the console's import) and the console's unit form — kept as dated versions, so that the
hierarchy's history holds: the edited unit's version in force is closed today and the next
opens today with the new name, level or parent, under one event of kind ``edit`` (listed
and revertible as any event). Today's ``unit`` row is written by the caller as before.

The versions of all edited units are read in a few queries (chunks of ids), not one per
unit. An edit is refused (409, nothing written) for a unit with a change dated after today:
that change was recorded first, and an edit today would reorder its history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.errors import Conflict
from app.i18n import Message
from app.models import Unit, UnitEvent, UnitVersion
from app.units.events import local_today, new_event

CHUNK = 500
LISTED = 200  # codes listed in the event's details (``count`` has them all)


@dataclass(frozen=True)
class Edit:
    """A unit's attributes before and after an edit (parent as an id)."""

    unit_id: int
    code: str
    before: tuple[str, str, int | None]  # name, level, parent_id
    after: tuple[str, str, int | None]


async def _versions(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[UnitVersion]]:
    found: dict[int, list[UnitVersion]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = await session.scalars(
            select(UnitVersion)
            .join(UnitEvent, UnitEvent.id == UnitVersion.event_id, isouter=True)
            .where(UnitVersion.unit_id.in_(ids[start : start + CHUNK]))
            .where(UnitEvent.reverted_at.is_(None))
            .order_by(UnitVersion.valid_from.asc().nulls_first(), UnitVersion.id)
        )
        for version in rows:
            found.setdefault(version.unit_id, []).append(version)
    return found


async def _stopped(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, tuple[date | None, int | None]]:
    """Merges dated before versions existed: unit id -> (inactive_from, successor_id)."""
    found = {}
    for start in range(0, len(ids), CHUNK):
        rows = await session.execute(
            select(Unit.id, Unit.inactive_from, Unit.successor_id).where(
                Unit.id.in_(ids[start : start + CHUNK])
            )
        )
        found.update({unit_id: (since, successor) for unit_id, since, successor in rows})
    return found


async def record_edits(
    session: AsyncSession, actor: Actor, edits: Sequence[Edit], source: str
) -> UnitEvent | None:
    """Dated versions for ``edits`` (effective today), under one ``edit`` event; None when
    nothing changed. ``source``: where the edit came from (import, console)."""
    edits = [e for e in edits if e.before != e.after]
    if not edits:
        return None
    today = local_today()
    ids = [e.unit_id for e in edits]
    versions = await _versions(session, ids)
    stopped = await _stopped(session, [u for u in ids if u not in versions])
    details = {"source": source, "count": len(edits), "units": [e.code for e in edits][:LISTED]}
    event = await new_event(session, actor, "edit", today, details)
    rows: list[UnitVersion] = []
    for edit in edits:
        mine = versions.get(edit.unit_id)
        if mine:
            last = mine[-1]
            if last.valid_from is not None and last.valid_from > today:
                raise Conflict(
                    Message(
                        "Đơn vị %(code)s đã có một thay đổi từ ngày %(day)s: "
                        "hãy hủy thay đổi đó trước.",
                        code=edit.code,
                        day=last.valid_from.isoformat(),
                    ),
                    field="units",
                )
            last.valid_to = today
            status, successor = last.status, last.successor_id
        else:
            since, successor = stopped.get(edit.unit_id, (None, None))
            status = "inactive" if since is not None and since <= today else "active"
            name, level, parent_id = edit.before
            rows.append(
                UnitVersion(
                    unit_id=edit.unit_id,
                    valid_from=None,
                    valid_to=today,
                    parent_id=parent_id,
                    name=name,
                    level=level,
                    status=status,
                    successor_id=successor,
                )
            )
        name, level, parent_id = edit.after
        rows.append(
            UnitVersion(
                unit_id=edit.unit_id,
                valid_from=today,
                valid_to=None,
                event_id=event.id,
                parent_id=parent_id,
                name=name,
                level=level,
                status=status,
                successor_id=successor,
            )
        )
    session.add_all(rows)
    await session.flush()
    return event
