"""The hierarchy's history in memory, read in one query per hierarchy version.

A ``Snapshot`` holds every unit's row and its versions as plain tuples (no ORM objects), read
once per *hierarchy version* (the stamp of the latest audited change to a unit: see
``app.units.history``). A day's tree depends on the day only through comparisons with the
dates the history holds (a version's ``valid_from``/``valid_to``, a row's ``inactive_from``),
so the days between two consecutive such dates share one tree: ``period(day)`` names that
stretch, and trees are built (and kept) per period, not per day. A day in a period already
resolved costs a dictionary look-up; a new period is resolved from the arrays, without a
query.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date
from typing import Any, Final, NamedTuple

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Unit, UnitEvent, UnitVersion
from app.units.service import UnitNode

# A version as a plain tuple (built by a tuple display: far cheaper than an object per row):
# (valid_from, valid_to, live — its event not reverted —, name, level, parent_id, active,
# successor_id). Its node is made only when a day picks it (``Snapshot.node``).
Version = tuple[date | None, date | None, bool, str, str, int | None, bool, int | None]
FROM: Final = 0
TO: Final = 1
LIVE: Final = 2
NAME: Final = 3
LEVEL: Final = 4
PARENT: Final = 5
ACTIVE: Final = 6
SUCCESSOR: Final = 7


Bounds = tuple[date | None, date | None]  # a period's days, [start, end); None: open


class Row(NamedTuple):
    node: UnitNode  # the unit row (today's structure)
    stops: date | None  # inactive_from
    successor: int | None
    versions: tuple[Version, ...]


class Picked(NamedTuple):
    """A unit as of a day: as in ``app.units.history.Resolved``."""

    node: UnitNode
    active: bool
    successor: int | None
    later: bool


# Built once: compiling the statement (subqueries, aliased columns) cost more than running it.
_STATEMENT = (
    select(
        Unit.id,
        Unit.code,
        Unit.name,
        Unit.level,
        Unit.parent_id,
        Unit.inactive_from,
        Unit.successor_id,
        UnitVersion.id,
        UnitVersion.valid_from,
        UnitVersion.valid_to,
        UnitVersion.name,
        UnitVersion.level,
        UnitVersion.parent_id,
        UnitVersion.status,
        UnitVersion.successor_id,
        UnitEvent.reverted_at,
    )
    .select_from(Unit)
    .join(UnitVersion, UnitVersion.unit_id == Unit.id, isouter=True)
    .join(
        UnitEvent,
        and_(UnitEvent.id == UnitVersion.event_id, UnitEvent.reverted_at.is_not(None)),
        isouter=True,
    )
    .order_by(Unit.id, UnitVersion.id)
)


class Snapshot:
    """Every unit with its versions, and the dates at which the hierarchy can change."""

    def __init__(self, rows: Sequence[Row]) -> None:
        self.rows = rows
        points: set[date | None] = {row.stops for row in rows}
        for row in rows:
            for v in row.versions:
                points.add(v[FROM])
                points.add(v[TO])
        points.discard(None)
        self.points = sorted(p for p in points if p is not None)
        self._nodes: dict[tuple[int, int], UnitNode] = {}  # (unit, version index) -> node

    def period(self, day: date) -> int:
        """The stretch of days sharing one tree: how many of the dates are on or before it."""
        return bisect_right(self.points, day)

    def bounds(self, day: date) -> Bounds:
        """The days of ``day``'s period: ``[start, end)``, None where open."""
        k = self.period(day)
        return (self.points[k - 1] if k else None, self.points[k] if k < len(self.points) else None)

    def pick(self, day: date) -> list[Picked]:
        """Each unit as of ``day`` (the rules of ``app.units.history``)."""
        out: list[Picked] = []
        append = out.append
        for row in self.rows:
            if not row.versions:  # never reorganised (or merged before versions existed)
                stopped = row.stops is not None and row.stops <= day
                append(Picked(row.node, not stopped, row.successor if stopped else None, False))
                continue
            k = next((k for k, v in enumerate(row.versions) if v[LIVE] and _holds(v, day)), -1)
            if k >= 0:
                v = row.versions[k]
                append(Picked(self.node(row, k), v[ACTIVE], v[SUCCESSOR], False))
            elif any(v[FROM] is not None and v[FROM] > day for v in row.versions):
                append(Picked(row.node, True, None, True))  # created later, at its first place
            else:
                stopped = row.stops is not None and row.stops <= day
                append(Picked(row.node, not stopped, row.successor if stopped else None, False))
        return out

    def node(self, row: Row, k: int) -> UnitNode:
        """The unit as its ``k``-th version has it (made once, then shared by every tree)."""
        key = (row.node.id, k)
        found = self._nodes.get(key)
        if found is None:
            v, n = row.versions[k], row.node
            found = self._nodes[key] = UnitNode(n.id, n.code, v[NAME], v[LEVEL], v[PARENT])
        return found


def _holds(v: Version, day: date) -> bool:
    start, end = v[FROM], v[TO]
    return (start is None or start <= day) and (end is None or end > day)


async def read_snapshot(session: AsyncSession) -> Snapshot:
    """One query: each unit with each of its versions (and whether the version's event was
    reverted), in unit order."""
    result = await session.execute(_STATEMENT)
    rows: list[Row] = []
    current: Any = None
    versions: list[Version] = []
    for r in result.all():
        uid = r[0]
        if current is None or current[0] != uid:
            if current is not None:
                rows.append(_row(current, versions))
            current, versions = r[:7], []
        if r[7] is not None:
            (vfrom, vto, vname, vlevel, vparent, vstatus, vsucc, reverted) = r[8:]
            live, active = reverted is None, vstatus == "active"
            versions.append((vfrom, vto, live, vname, vlevel, vparent, active, vsucc))
    if current is not None:
        rows.append(_row(current, versions))
    return Snapshot(rows)


def _row(current: Any, versions: list[Version]) -> Row:
    uid, code, name, level, parent, stops, succ = current
    return Row(UnitNode(uid, code, name, level, parent), stops, succ, tuple(versions))
