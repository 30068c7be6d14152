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
CHUNK = 10_000  # unit ids per statement


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
    """Per category: respondents and weights; per category and criterion: the four sums.

    Sums are additive, so a large subtree is tallied in chunks of units (a database takes
    at most some 32,000 parameters per statement).
    """
    keys: dict[str | None, int] = {}
    units: dict[int, UnitTally] = {}
    criteria: dict[str, dict[int, CriterionTally]] = {code: {} for code in satisfied}
    ids = sorted(unit_ids)
    for start in range(0, len(ids), CHUNK):
        part = await _tally_part(session, round_id, ids[start : start + CHUNK], by, satisfied)
        for category, unit in part.units.items():
            key = keys.setdefault(category, len(keys))
            units[key] = _add_units(units.get(key), unit)
        for code, by_category in part.criteria.items():
            for category, tally in by_category.items():
                key = keys.setdefault(category, len(keys))
                criteria[code][key] = _add_criteria(criteria[code].get(key), tally)
    return CategoryTally(RoundTally(units, criteria), keys)


def _add_units(a: UnitTally | None, b: UnitTally) -> UnitTally:
    return b if a is None else UnitTally(a.respondents + b.respondents, a.weight_sum + b.weight_sum)


def _add_criteria(a: CriterionTally | None, b: CriterionTally) -> CriterionTally:
    if a is None:
        return b
    return CriterionTally(
        a.n + b.n,
        a.satisfied + b.satisfied,
        a.weight_sum + b.weight_sum,
        a.satisfied_weight + b.satisfied_weight,
    )


@dataclass(frozen=True)
class _Part:
    units: dict[str | None, UnitTally]
    criteria: dict[str, dict[str | None, CriterionTally]]


async def _tally_part(
    session: AsyncSession,
    round_id: int,
    unit_ids: list[int],
    by: str,
    satisfied: Mapping[str, Sequence[int]],
) -> _Part:
    weighted = weighted_responses(round_id).subquery("weighted")
    cats = _categories(round_id, by).subquery("cats")
    in_units = weighted.c.unit_id.in_(unit_ids)
    unit_rows = await session.execute(
        select(cats.c.category, func.count(), func.sum(weighted.c.weight))
        .join(cats, cats.c.rid == weighted.c.id)
        .where(in_units)
        .group_by(cats.c.category)
    )
    units = {category: UnitTally(int(n), float(w)) for category, n, w in unit_rows}
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
    criteria: dict[str, dict[str | None, CriterionTally]] = {}
    for category, code, n, s, w, sw in rows:
        criteria.setdefault(code, {})[category] = CriterionTally(
            int(n), int(s), float(w), float(sw)
        )
    return _Part(units, criteria)
