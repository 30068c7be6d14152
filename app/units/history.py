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

import json
import zlib
from collections import defaultdict
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from sqlalchemy import delete, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import insert_ignore
from app.errors import AppError
from app.models import AuditEvent, Round
from app.models import UnitTreeStored as Stored
from app.units.service import UnitNode, UnitTree, load_tree
from app.units.snapshot import Bounds, Picked, Snapshot, read_snapshot
from app.worker.locks import UNIT_TREES


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

    def payload(self) -> bytes:
        """The tree, compact, for ``stored``: its nodes as columns (in ``by_id``'s order, with
        the code order of those that existed), and what had stopped, begun later, absorbed."""
        nodes = list(self.by_id.values())
        place = {n.id: k for k, n in enumerate(nodes)}
        existing = sorted((n for n in nodes if self.existed(n.id)), key=lambda n: n.code)
        body = {
            "id": [n.id for n in nodes],
            "code": [n.code for n in nodes],
            "name": [n.name for n in nodes],
            "level": [n.level for n in nodes],
            "parent": [n.parent_id for n in nodes],
            "order": [place[n.id] for n in existing],
            "inactive": sorted(self.inactive),
            "later": sorted(self.later),
            "absorbed": [[k, v] for k, v in self.absorbed.items()],
        }
        return zlib.compress(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())

    @classmethod
    def stored(cls, day: date, data: bytes) -> DatedTree:
        """The tree ``payload`` wrote (no sort, no resolution: a node per unit and the
        indexes)."""
        body = json.loads(zlib.decompress(data))
        ids = body["id"]
        nodes = list(map(UnitNode, ids, body["code"], body["name"], body["level"], body["parent"]))
        tree = cls.__new__(cls)
        tree.day = day
        tree.inactive = set(body["inactive"])
        tree.later = set(body["later"])
        tree.absorbed = defaultdict(list, {k: v for k, v in body["absorbed"]})
        tree.by_id = dict(zip(ids, nodes, strict=True))
        gone = tree.inactive | tree.later
        tree.by_code = {n.code: n for n in nodes if n.id not in gone}
        tree._adopt([nodes[k] for k in body["order"]])
        tree._subtrees = {}
        return tree

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


@dataclass
class Kept:
    """What a process keeps of one database's hierarchy version (its stamp): the trees built
    or read so far, by their period's days, and the history once it had to be read."""

    stamp: Stamp
    trees: dict[Bounds, DatedTree] = field(default_factory=dict)
    snapshot: Snapshot | None = None

    def find(self, day: date) -> DatedTree | None:
        return next((tree for bounds, tree in self.trees.items() if _within(bounds, day)), None)

    def keep(self, bounds: Bounds, tree: DatedTree) -> None:
        if len(self.trees) >= _TREES_KEPT:  # the oldest built goes first
            self.trees.pop(next(iter(self.trees)))
        self.trees[bounds] = tree


def _within(bounds: Bounds, day: date) -> bool:
    start, end = bounds
    return (start is None or start <= day) and (end is None or end > day)


_KEPT: dict[str, Kept] = {}  # per database
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


async def stored_tree(
    session: AsyncSession, stamp: Stamp, day: date
) -> tuple[Bounds, DatedTree] | None:
    """The tree the worker stored for ``day``'s period at this hierarchy version (one row),
    if it has."""
    if stamp is None:
        return None
    row = (
        await session.execute(
            select(Stored.valid_from, Stored.valid_to, Stored.data).where(
                Stored.stamp_id == stamp[0],
                Stored.stamp_at == stamp[1],
                or_(Stored.valid_from.is_(None), Stored.valid_from <= day),
                or_(Stored.valid_to.is_(None), Stored.valid_to > day),
            )
        )
    ).first()
    return None if row is None else ((row[0], row[1]), DatedTree.stored(day, row[2]))


async def hierarchy_as_of(session: AsyncSession, day: date) -> DatedTree:
    """The hierarchy on ``day``, reused from memory while no unit changed; else the tree the
    worker stored for the day's period (one row); else resolved from the history (read once
    per hierarchy version; a tree built once per period of days it holds)."""
    key = str(getattr(session.bind, "url", ""))
    stamp = await hierarchy_stamp(session)
    kept = _KEPT.get(key)
    if kept is None or kept.stamp != stamp or stamp is None:
        # A stamp read inside a transaction that then rolls back never comes again (ids and
        # times are not reused together), so its entry is simply never hit.
        if len(_KEPT) >= _CACHE_SIZE and key not in _KEPT:
            _KEPT.pop(next(iter(_KEPT)))
        kept = _KEPT[key] = Kept(stamp)
    tree = kept.find(day)
    if tree is None:
        found = await stored_tree(session, stamp, day)
        if found is None:
            if kept.snapshot is None:
                kept.snapshot = await read_snapshot(session)
            found = kept.snapshot.bounds(day), DatedTree(day, kept.snapshot.pick(day))
        kept.keep(*found)
        tree = found[1]
    return tree if tree.day == day else tree.on(day)


async def store_trees(session: AsyncSession, today: date) -> int:
    """Store the tree of every period a report asks by default (today's, and each round's
    day: its first day, or today if it starts later) at the current hierarchy version, and
    delete the rows of older versions; how many trees were stored (0: all there already, or
    another process is storing them)."""
    if session.get_bind().dialect.name == "postgresql":
        sql = text("SELECT pg_try_advisory_xact_lock(:c, 0)")
        if not await session.scalar(sql, {"c": UNIT_TREES.key}):
            return 0
    stamp = await hierarchy_stamp(session)
    if stamp is None:
        return 0
    await session.execute(delete(Stored).where(Stored.stamp_id != stamp[0]))
    rows = await session.execute(
        select(Stored.valid_from, Stored.valid_to).where(
            Stored.stamp_id == stamp[0], Stored.stamp_at == stamp[1]
        )
    )
    have: list[Bounds] = [(start, end) for start, end in rows]
    starts = (await session.execute(select(Round.starts_on).distinct())).scalars()
    days = {today} | {min(start, today) for start in starts}
    snapshot: Snapshot | None = None
    stored = 0
    for day in sorted(days):
        if any(_within(bounds, day) for bounds in have):
            continue
        snapshot = snapshot or await read_snapshot(session)
        bounds = snapshot.bounds(day)
        tree = DatedTree(day, snapshot.pick(day))
        values = {
            "stamp_id": stamp[0],
            "period": snapshot.period(day),
            "stamp_at": stamp[1],
            "valid_from": bounds[0],
            "valid_to": bounds[1],
            "data": tree.payload(),
        }
        await session.execute(insert_ignore(session, Stored, values))
        have.append(bounds)
        stored += 1
    return stored


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
