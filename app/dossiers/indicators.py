"""Indicators of the dossier feed per unit and period (definitions: docs/dossiers.md).

A dossier counts in a period when its *returned* event's ``returned_on`` falls in the period
and no *cancelled* event exists for its number. Its timeliness compares the local days:
returned before the due day is early, on the due day on time, after it late; a dossier without
a due day (no legal time limit) counts as a transaction and is left out of the timeliness
shares. ``received`` counts received events by ``received_on`` in the period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.models import DossierEvent

By = Literal["none", "procedure", "field", "channel"]
BY_COLUMN = {
    "procedure": DossierEvent.procedure_code,
    "field": DossierEvent.field,
    "channel": DossierEvent.channel,
}


@dataclass
class Counts:
    """Counts of one cell (a unit, or a unit and a procedure/field/channel)."""

    transactions: int = 0
    with_due: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    online: int = 0
    received: int = 0

    def add(self, other: Counts) -> None:
        for name in ("transactions", "with_due", "early", "on_time", "late", "online", "received"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def shares(self) -> dict[str, float | None]:
        """Shares in percent; None where the denominator is 0."""

        def pct(part: int, whole: int) -> float | None:
            return 100.0 * part / whole if whole else None

        return {
            "early_share": pct(self.early, self.with_due),
            "on_time_share": pct(self.on_time, self.with_due),
            "late_share": pct(self.late, self.with_due),
            "timely_share": pct(self.early + self.on_time, self.with_due),
            "online_share": pct(self.online, self.transactions),
        }


def returned_in(period: tuple[date, date], unit_ids: Iterable[int] | None) -> list[Any]:
    """Conditions: returned in the period, not cancelled, at one of the units (None: any)."""
    cancelled = aliased(DossierEvent)
    conditions: list[Any] = [
        DossierEvent.kind == "returned",
        DossierEvent.returned_on >= period[0],
        DossierEvent.returned_on <= period[1],
        ~select(cancelled.id)
        .where(cancelled.number == DossierEvent.number, cancelled.kind == "cancelled")
        .exists(),
    ]
    if unit_ids is not None:
        conditions.append(DossierEvent.unit_id.in_(list(unit_ids)))
    return conditions


def _flag(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


async def returned_counts(
    session: AsyncSession, period: tuple[date, date], unit_ids: Iterable[int] | None, by: By
) -> dict[tuple[int, str], Counts]:
    """(unit id, group) -> counts of returned dossiers; group is '' without a breakdown."""
    group = BY_COLUMN[by] if by != "none" else None
    due, back = DossierEvent.due_on, DossierEvent.returned_on
    columns: list[Any] = [
        DossierEvent.unit_id,
        func.count(),
        _flag(due.is_not(None)),
        _flag(and_(due.is_not(None), back < due)),
        _flag(and_(due.is_not(None), back == due)),
        _flag(and_(due.is_not(None), back > due)),
        _flag(DossierEvent.channel == "online"),
    ]
    keys: list[Any] = [DossierEvent.unit_id] + ([group] if group is not None else [])
    query = select(*columns, *([group] if group is not None else [])).where(
        *returned_in(period, unit_ids)
    )
    found: dict[tuple[int, str], Counts] = {}
    for row in await session.execute(query.group_by(*keys)):
        key = (row[0], str(row[7]) if group is not None else "")
        found[key] = Counts(*(int(v or 0) for v in row[1:7]))
    await _add_received(session, period, unit_ids, group, found)
    return found


async def _add_received(
    session: AsyncSession,
    period: tuple[date, date],
    unit_ids: Iterable[int] | None,
    group: Any,
    found: dict[tuple[int, str], Counts],
) -> None:
    conditions: list[Any] = [
        DossierEvent.kind == "received",
        DossierEvent.received_on >= period[0],
        DossierEvent.received_on <= period[1],
    ]
    if unit_ids is not None:
        conditions.append(DossierEvent.unit_id.in_(list(unit_ids)))
    keys: list[Any] = [DossierEvent.unit_id] + ([group] if group is not None else [])
    query = select(*keys, func.count()).where(*conditions).group_by(*keys)
    for row in await session.execute(query):
        key = (row[0], str(row[1]) if group is not None else "")
        found.setdefault(key, Counts()).received = int(row[-1])
