"""Points instruments (TT 01/2018) per unit: dossier counts by points, pooled over subtrees.

Points are means over dossiers (unweighted, as TT 01/2018 scores them); app.statistics.points
turns pooled counts into indicator scores, a total and its class.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Answer, Response

Counts = dict[str, dict[float, int]]  # criterion code -> points -> dossiers


@dataclass(frozen=True)
class PointsTally:
    respondents: dict[int, int]  # unit id -> valid responses
    counts: dict[int, Counts]  # unit id -> counts


async def tally_points(
    session: AsyncSession, round_id: int, criteria: Sequence[str]
) -> PointsTally:
    valid = (Response.round_id == round_id, Response.status == "valid")
    respondents = await session.execute(
        select(Response.unit_id, func.count()).where(*valid).group_by(Response.unit_id)
    )
    rows = await session.execute(
        select(Response.unit_id, Answer.question, Answer.value, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(*valid, Answer.question.in_(list(criteria)), Answer.value.is_not(None))
        .group_by(Response.unit_id, Answer.question, Answer.value)
    )
    counts: dict[int, Counts] = {}
    for unit_id, code, value, n in rows:
        if value is not None:
            counts.setdefault(unit_id, {}).setdefault(code, {})[float(value)] = int(n)
    return PointsTally({u: int(n) for u, n in respondents}, counts)


def pool_points(tally: PointsTally, unit_ids: Iterable[int]) -> tuple[int, Counts]:
    """(responses, counts) of the units together."""
    pooled: Counts = {}
    n = 0
    for unit_id in unit_ids:
        n += tally.respondents.get(unit_id, 0)
        for code, by_points in tally.counts.get(unit_id, {}).items():
            target = pooled.setdefault(code, {})
            for points, k in by_points.items():
                target[points] = target.get(points, 0) + k
    return n, pooled
