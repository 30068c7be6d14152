"""What the integrity screening kept out of a report's figures, per unit: responses held and
awaiting review (counted nowhere), and those a reviewer accepted (counted as valid) or
rejected (excluded). Read from the round's integrity report as the background worker last
computed it (app/integrity/tasks.py), summed over each unit's subtree; ``as_of`` says when."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import IntegritySummary
from app.models.base import as_utc
from app.reporting.schemas import ScreeningCounts
from app.units.service import UnitNode, UnitTree

# Per round: the integrity report's held, accepted and rejected counts by unit code, as of its
# ``as_of``. The report holds every unit's days too (units × days), so it is parsed once per
# refresh (the worker's, every 5 minutes), not on every report request; a replica that sees a
# newer ``as_of`` reads it again.
_COUNTS: dict[int, tuple[datetime, dict[str, tuple[int, int, int]]]] = {}


async def _unit_counts(
    session: AsyncSession, round_id: int
) -> tuple[datetime, dict[str, tuple[int, int, int]]] | None:
    as_of = await session.scalar(
        select(IntegritySummary.as_of).where(IntegritySummary.round_id == round_id)
    )
    if as_of is None:
        return None
    cached = _COUNTS.get(round_id)
    if cached is not None and cached[0] == as_of:
        return cached
    report = await session.scalar(
        select(IntegritySummary.report).where(IntegritySummary.round_id == round_id)
    )
    by_code = {}
    for row in (report or {}).get("units", []):
        review, status = row.get("review", {}), row.get("status", {})
        counts = (status.get("held", 0), review.get("accepted", 0), review.get("rejected", 0))
        by_code[row["unit"]] = counts
    _COUNTS[round_id] = (as_of, by_code)
    return as_of, by_code


async def screening_of(
    session: AsyncSession, round_id: int, tree: UnitTree, units: Iterable[UnitNode]
) -> dict[str, ScreeningCounts]:
    """By unit code: the held, accepted and rejected responses of its subtree (empty before
    the worker first reports on the round)."""
    found = await _unit_counts(session, round_id)
    if found is None:
        return {}
    as_of, by_code = found
    by_id = {tree.by_code[c].id: n for c, n in by_code.items() if c in tree.by_code}
    counts = {}
    for unit in units:
        rows = [by_id[i] for i in tree.subtree_ids(unit.id) if i in by_id]
        held, accepted, rejected = (sum(r[k] for r in rows) for k in range(3))
        counts[unit.code] = ScreeningCounts(
            held=held, accepted=accepted, rejected=rejected, as_of=as_utc(as_of)
        )
    return counts
