"""The dated hierarchy: which units existed on a day, under which parent, with which name and
level, and where the data of units that had stopped continues.

Each reorganisation (app/units/events.py) closes the version in force of the units it touches
and opens the next from its effective date (``unit_version``); nothing is overwritten. A unit
without versions has had no reorganisation and is read from its ``unit`` row (whose
``inactive_from``/``successor_id`` date merges made before versions existed).

``hierarchy_as_of(session, day)`` resolves the whole tree for a day in one query. Units that
had stopped by then are not children of anyone: a merged unit is *absorbed* by its successor
(its subtree counts in the successor's, so that responses collected at it are rolled up where
its data continues), a unit split or dissolved by the nearest unit above it that still
existed. A unit created after the day (a merge's new successor) is not in that day's tree
either (``later``): whatever was collected at it counts with the nearest unit above it that
existed, so no response is left out of a rollup.

Resolved trees are kept in memory per (database, day) and reused while the hierarchy's stamp
is unchanged: the latest audited change to any unit (every unit write, event and revert is
audited, in the same transaction), read through an index in one short query; so another
replica's change is seen by the next report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import AppError
from app.models import AuditEvent, Unit, UnitEvent, UnitVersion
from app.units.service import UnitNode, UnitTree, load_tree


@dataclass(frozen=True)
class Resolved:
    """A unit as of a day: its node (parent as then), whether it was active, and where its data
    continues when it was not (``successor``: merged; None: split, dissolved)."""

    node: UnitNode
    active: bool
    successor: int | None
    later: bool  # created after the day (shown where it first stood)


class DatedTree(UnitTree):
    """A ``UnitTree`` as of ``day``: ``children`` and ``by_code`` hold the units that existed;
    ``by_id`` every unit; ``subtree_ids`` also counts the units absorbed by one of the
    subtree (stopped, or created later)."""

    def __init__(self, day: date, resolved: Iterable[Resolved]) -> None:
        resolved = list(resolved)
        self.day = day
        self.inactive = {r.node.id for r in resolved if not r.active}
        self.later = {r.node.id for r in resolved if r.later}
        nodes = [r.node for r in resolved]
        parents = {n.id: n.parent_id for n in nodes}
        by_id = {n.id: n for n in nodes}
        self.absorbed: dict[int | None, list[int]] = defaultdict(list)
        gone = self.inactive | self.later
        for r in resolved:
            if r.node.id in gone:
                self.absorbed[_continues(r, parents, gone)].append(r.node.id)
        super().__init__(n for n in nodes if n.id not in gone)
        self.by_id = by_id  # ids of stopped units resolve too (responses point at them)

    def _walk(self, unit_id: int) -> set[int]:
        found, stack = set(), [unit_id]
        while stack:
            current = stack.pop()
            if current in found:
                continue
            found.add(current)
            stack.extend(child.id for child in self.children.get(current, ()))
            stack.extend(self.absorbed.get(current, ()))
        return found

    def existed(self, unit_id: int) -> bool:
        """Whether the unit existed on the day (not stopped, not created later)."""
        return unit_id not in self.inactive and unit_id not in self.later


def _continues(r: Resolved, parents: dict[int, int | None], gone: set[int]) -> int | None:
    """Where the data of a unit that did not exist on the day goes: its successor (followed
    while it had stopped too), else the nearest ancestor that existed; None at the top."""
    seen: set[int] = set()
    current: int | None = r.successor if r.successor is not None else parents.get(r.node.id)
    while current is not None and current in gone and current not in seen:
        seen.add(current)
        current = parents.get(current)
    return current


Stamp = tuple[int, str] | None
_CACHE: dict[tuple[str, date], tuple[Stamp, DatedTree]] = {}
_CACHE_SIZE = 32


async def hierarchy_stamp(session: AsyncSession) -> Stamp:
    """The latest audited change to a unit: (its id, its time)."""
    row = (
        await session.execute(
            select(AuditEvent.id, AuditEvent.at)
            .where(AuditEvent.object_type == "unit")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
    ).first()
    return (int(row[0]), str(row[1])) if row is not None else None


async def hierarchy_as_of(session: AsyncSession, day: date) -> DatedTree:
    """The hierarchy on ``day``, reused from memory while no unit changed."""
    key = (str(getattr(session.bind, "url", "")), day)
    stamp = await hierarchy_stamp(session)
    found = _CACHE.get(key)
    if found is not None and found[0] == stamp and stamp is not None:
        return found[1]
    tree = await resolve_hierarchy(session, day)
    # A stamp read inside a transaction that then rolls back never comes again (ids and
    # times are not reused together), so its entry is simply never hit.
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (stamp, tree)
    return tree


_CURRENT: dict[str, tuple[Stamp, UnitTree]] = {}


async def current_tree(session: AsyncSession) -> UnitTree:
    """Today's structure (the ``unit`` rows, as ``load_tree``), reused while no unit changed."""
    key = str(getattr(session.bind, "url", ""))
    stamp = await hierarchy_stamp(session)
    found = _CURRENT.get(key)
    if found is not None and found[0] == stamp and stamp is not None:
        return found[1]
    tree = await load_tree(session)
    if len(_CURRENT) >= _CACHE_SIZE:
        _CURRENT.pop(next(iter(_CURRENT)))
    _CURRENT[key] = (stamp, tree)
    return tree


async def resolve_hierarchy(session: AsyncSession, day: date) -> DatedTree:
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


AsOfBasis = Literal["round", "now", "date"]


@dataclass(frozen=True)
class AsOf:
    """Which hierarchy a report rolls up with: the round's (the structure on its first day,
    or today if it starts later), today's (``now``), or a given day."""

    day: date
    basis: AsOfBasis


def as_of_for(starts_on: date, asked: str | None, today: date) -> AsOf:
    """``asked``: None (the round's), ``now``, or an ISO date; anything else is refused."""
    if asked is None or asked in ("", "round"):
        return AsOf(min(starts_on, today), "round")
    if asked == "now":
        return AsOf(today, "now")
    try:
        return AsOf(date.fromisoformat(asked), "date")
    except ValueError:
        raise AppError(
            f"as_of must be 'round', 'now' or a date YYYY-MM-DD, not {asked!r}", field="as_of"
        ) from None
