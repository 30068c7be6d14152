"""Indicators of the dossier feed per unit and period (definitions: docs/dossiers.md).

A dossier counts in a period when its *returned* event's ``returned_on`` falls in the period
and no *cancelled* event exists for its number. Its timeliness compares the local days:
returned before the due day is early, on the due day on time, after it late; a dossier without
a due day (no legal time limit) counts as a transaction and is left out of the timeliness
shares. ``received`` counts received events by ``received_on`` in the period.

The counts are read from ``dossier_tally``, which the worker keeps (app/dossiers/tally.py);
a report says when it was last brought up to date and how many events are still to count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import DossierTally
from app.models.dossier_tally import COUNTS

By = Literal["none", "procedure", "field", "channel"]
T = DossierTally
BY_COLUMN = {"procedure": T.procedure_code, "field": T.field, "channel": T.channel}


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


def _nonzero(counts: Counts) -> bool:
    return any(getattr(counts, name) for name in COUNTS)


async def returned_counts(
    session: AsyncSession, period: tuple[date, date], unit_ids: Iterable[int] | None, by: By
) -> dict[tuple[int, str], Counts]:
    """(unit id, group) -> counts of the period; group is '' without a breakdown. Summed over
    the worker's tally (app/dossiers/tally.py): the cost grows with units × days × groups,
    never with the number of dossiers."""
    group = BY_COLUMN[by] if by != "none" else None
    keys: list[Any] = [T.unit_id] + ([group] if group is not None else [])
    sums = [func.sum(T.__table__.c[name]) for name in COUNTS]
    query = select(*keys, *sums).where(T.day >= period[0], T.day <= period[1])
    if unit_ids is not None:
        query = query.where(T.unit_id.in_(list(unit_ids)))
    found: dict[tuple[int, str], Counts] = {}
    for row in await session.execute(query.group_by(*keys)):
        values = dict(zip(COUNTS, (int(v or 0) for v in row[len(keys) :]), strict=True))
        counts = Counts(**values)
        if _nonzero(counts):  # a day whose only dossier was cancelled
            found[(row[0], str(row[1]) if group is not None else "")] = counts
    return found
