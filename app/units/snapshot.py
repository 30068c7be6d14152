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
from typing import Any, NamedTuple

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Unit, UnitEvent, UnitVersion
from app.units.service import UnitNode


class Version(NamedTuple):
    valid_from: date | None
    valid_to: date | None
    live: bool  # its event was not reverted
    node: UnitNode  # the unit as this version has it
    active: bool
    successor: int | None


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
        points: set[date] = set()
        for row in rows:
            if row.stops is not None:
                points.add(row.stops)
            for v in row.versions:
                if v.valid_from is not None:
                    points.add(v.valid_from)
                if v.valid_to is not None:
                    points.add(v.valid_to)
        self.points = sorted(points)

    def period(self, day: date) -> int:
        """The stretch of days sharing one tree: how many of the dates are on or before it."""
        return bisect_right(self.points, day)

    def pick(self, day: date) -> list[Picked]:
        """Each unit as of ``day`` (the rules of ``app.units.history``)."""
        out: list[Picked] = []
        append = out.append
        for row in self.rows:
            if not row.versions:  # never reorganised (or merged before versions existed)
                stopped = row.stops is not None and row.stops <= day
                append(Picked(row.node, not stopped, row.successor if stopped else None, False))
                continue
            valid = next((v for v in row.versions if v.live and _holds(v, day)), None)
            if valid is not None:
                append(Picked(valid.node, valid.active, valid.successor, False))
            elif any(v.valid_from is not None and v.valid_from > day for v in row.versions):
                append(Picked(row.node, True, None, True))  # created later, at its first place
            else:
                stopped = row.stops is not None and row.stops <= day
                append(Picked(row.node, not stopped, row.successor if stopped else None, False))
        return out


def _holds(v: Version, day: date) -> bool:
    return (v.valid_from is None or v.valid_from <= day) and (
        v.valid_to is None or v.valid_to > day
    )


async def read_snapshot(session: AsyncSession) -> Snapshot:
    """One query: each unit with each of its versions (and whether the version's event was
    reverted), in unit order."""
    result = await session.execute(_STATEMENT)
    rows: list[Row] = []
    current: list[Any] | None = None
    versions: list[Version] = []
    for r in result.tuples():
        (uid, code, name, level, parent, stops, succ, vid) = r[:8]
        if current is None or current[0] != uid:
            if current is not None:
                rows.append(_row(current, versions))
            current, versions = [uid, code, name, level, parent, stops, succ], []
        if vid is not None:
            vfrom, vto, vname, vlevel, vparent, vstatus, vsucc, reverted = r[8:]
            node = UnitNode(uid, code, vname, vlevel, vparent)
            live = reverted is None
            versions.append(Version(vfrom, vto, live, node, vstatus == "active", vsucc))
    if current is not None:
        rows.append(_row(current, versions))
    return Snapshot(rows)


def _row(current: list[Any], versions: list[Version]) -> Row:
    uid, code, name, level, parent, stops, succ = current
    return Row(UnitNode(uid, code, name, level, parent), stops, succ, tuple(versions))
