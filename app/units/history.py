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

The history is read in one query per *hierarchy version* (``app.units.snapshot``) and kept in
memory per database while the hierarchy's stamp is unchanged: the latest audited change to any
unit (every unit write, event and revert is audited, in the same transaction), read through an
index in one short query; so another replica's change is seen by the next report. Trees are
built from that snapshot once per period of days that share one structure (between two dates
the history holds), not per day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import AppError
from app.models import AuditEvent
from app.units.service import UnitTree, load_tree
from app.units.snapshot import Picked, Snapshot, read_snapshot


class DatedTree(UnitTree):
    """A ``UnitTree`` as of ``day``: ``children`` and ``by_code`` hold the units that existed;
    ``by_id`` every unit; ``subtree_ids`` also counts the units absorbed by one of the
    subtree (stopped, or created later)."""

    def __init__(self, day: date, resolved: Iterable[Picked]) -> None:
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

    def on(self, day: date) -> DatedTree:
        """The same tree for another day of its period (shares every table, and the subtrees
        found so far)."""
        other = copy(self)
        other.day = day
        return other

    def existed(self, unit_id: int) -> bool:
        """Whether the unit existed on the day (not stopped, not created later)."""
        return unit_id not in self.inactive and unit_id not in self.later


def _continues(r: Picked, parents: dict[int, int | None], gone: set[int]) -> int | None:
    """Where the data of a unit that did not exist on the day goes: its successor (followed
    while it had stopped too), else the nearest ancestor that existed; None at the top."""
    seen: set[int] = set()
    current: int | None = r.successor if r.successor is not None else parents.get(r.node.id)
    while current is not None and current in gone and current not in seen:
        seen.add(current)
        current = parents.get(current)
    return current


Stamp = tuple[int, str] | None
# Per database: the hierarchy version (stamp) the entry was read at, its snapshot (one query),
# and the trees built from it, per period (stretch of days sharing one tree).
_KEPT: dict[str, tuple[Stamp, Snapshot, dict[int, DatedTree]]] = {}
_CACHE_SIZE = 32
_TREES_KEPT = 16  # periods kept per database (each tree holds every unit)


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
    """The hierarchy on ``day``, reused from memory while no unit changed: the history is read
    once per hierarchy version, and a tree built once per period of days it holds."""
    key = str(getattr(session.bind, "url", ""))
    stamp = await hierarchy_stamp(session)
    found = _KEPT.get(key)
    if found is None or found[0] != stamp or stamp is None:
        # A stamp read inside a transaction that then rolls back never comes again (ids and
        # times are not reused together), so its entry is simply never hit.
        if len(_KEPT) >= _CACHE_SIZE and key not in _KEPT:
            _KEPT.pop(next(iter(_KEPT)))
        found = _KEPT[key] = (stamp, await read_snapshot(session), {})
    snapshot, trees = found[1], found[2]
    period = snapshot.period(day)
    tree = trees.get(period)
    if tree is None:
        if len(trees) >= _TREES_KEPT:  # the oldest built goes first
            trees.pop(next(iter(trees)))
        tree = trees[period] = DatedTree(day, snapshot.pick(day))
    return tree if tree.day == day else tree.on(day)


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
    """The hierarchy on ``day``, read afresh (one query; nothing kept)."""
    return DatedTree(day, (await read_snapshot(session)).pick(day))


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
