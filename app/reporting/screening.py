"""What the integrity screening kept out of a report's figures, per unit: responses held and
awaiting review (counted nowhere), and those a reviewer accepted (counted as valid) or
rejected (excluded). Read from the round's integrity report as the background worker last
computed it (app/integrity/tasks.py), summed over each unit's subtree; ``as_of`` says when."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import IntegritySummary
from app.models.base import as_utc
from app.reporting.schemas import ScreeningCounts
from app.units.service import UnitNode, UnitTree


async def screening_of(
    session: AsyncSession, round_id: int, tree: UnitTree, units: Iterable[UnitNode]
) -> dict[str, ScreeningCounts]:
    """By unit code: the held, accepted and rejected responses of its subtree (empty before
    the worker first reports on the round)."""
    stored = await session.get(IntegritySummary, round_id)
    if stored is None:
        return {}
    by_id: dict[int, tuple[int, int, int]] = {}
    for row in stored.report.get("units", []):
        node = tree.by_code.get(row["unit"])
        if node is not None:
            review = row.get("review", {})
            pending = row.get("status", {}).get("held", 0)
            by_id[node.id] = (pending, review.get("accepted", 0), review.get("rejected", 0))
    as_of = as_utc(stored.as_of)
    counts = {}
    for unit in units:
        rows = [by_id[i] for i in tree.subtree_ids(unit.id) if i in by_id]
        held, accepted, rejected = (sum(r[k] for r in rows) for k in range(3))
        counts[unit.code] = ScreeningCounts(
            held=held, accepted=accepted, rejected=rejected, as_of=as_of
        )
    return counts
