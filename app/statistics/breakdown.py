"""Tallies of a unit's subtree split by a category of the response (HTTP-free).

The category is a single-choice answer (its option value; None when unanswered) or the
response's channel. Each category gets the same sufficient statistics as a unit does in
app.statistics.tally, keyed by a small integer, so app.statistics.estimates applies unchanged.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Answer, Response
from app.statistics.tally import (
    CriterionTally,
    RoundTally,
    UnitTally,
    satisfied_condition,
    weighted_responses,
)

CHANNEL = "channel"


@dataclass(frozen=True)
class CategoryTally:
    tally: RoundTally  # "units" are categories: key -> category in ``keys``
    keys: dict[str | None, int]


def _categories(round_id: int, by: str) -> Select[int, str | None]:
    if by == CHANNEL:
        return select(Response.id.label("rid"), Response.channel.label("category")).where(
            Response.round_id == round_id
        )
    answer = and_(Answer.response_id == Response.id, Answer.question == by)
    return (
        select(Response.id.label("rid"), Answer.text.label("category"))
        .outerjoin(Answer, answer)
        .where(Response.round_id == round_id)
    )


async def tally_by(
    session: AsyncSession,
    round_id: int,
    unit_ids: Collection[int],
    by: str,
    satisfied: Mapping[str, Sequence[int]],
) -> CategoryTally:
    """Per category: respondents and weights; per category and criterion: the four sums."""
    weighted = weighted_responses(round_id).subquery("weighted")
    cats = _categories(round_id, by).subquery("cats")
    in_units = weighted.c.unit_id.in_(list(unit_ids))
    unit_rows = await session.execute(
        select(cats.c.category, func.count(), func.sum(weighted.c.weight))
        .join(cats, cats.c.rid == weighted.c.id)
        .where(in_units)
        .group_by(cats.c.category)
    )
    keys: dict[str | None, int] = {}
    units: dict[int, UnitTally] = {}
    for category, n, w in unit_rows:
        key = keys.setdefault(category, len(keys))
        units[key] = UnitTally(int(n), float(w))
    is_satisfied = satisfied_condition(satisfied)
    rows = await session.execute(
        select(
            cats.c.category,
            Answer.question,
            func.count(),
            func.sum(case((is_satisfied, 1), else_=0)),
            func.sum(weighted.c.weight),
            func.sum(case((is_satisfied, weighted.c.weight), else_=0.0)),
        )
        .join(weighted, weighted.c.id == Answer.response_id)
        .join(cats, cats.c.rid == Answer.response_id)
        .where(in_units, Answer.question.in_(list(satisfied)), Answer.value.is_not(None))
        .group_by(cats.c.category, Answer.question)
    )
    criteria: dict[str, dict[int, CriterionTally]] = {code: {} for code in satisfied}
    for category, code, n, s, w, sw in rows:
        key = keys.setdefault(category, len(keys))
        criteria[code][key] = CriterionTally(int(n), int(s), float(w), float(sw))
    return CategoryTally(RoundTally(units, criteria), keys)
