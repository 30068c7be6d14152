"""Sufficient statistics of a round, aggregated in the database.

One pass over the answers groups them by (unit, criterion); everything else — pooling a
subtree, elements, overall, ranks — is arithmetic over those few rows (units × criteria).

Weights. A response's base weight is, in order: its given ``base_weight`` (imports, list
samples: 1/π); else N_h / n_h, the unit's transaction volume for the round over the unit's
number of valid responses, so that a busy counter counts for what it serves; else 1 when no
volume is known. It is derived when read, so it is always current as responses arrive and
volumes change. A round weighted 'raked' uses its active weight set instead (app.weights).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Float, Select, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from app.models import Answer, Response, RoundUnit
from app.weights.query import active_weights, covered


@dataclass(frozen=True)
class UnitTally:
    respondents: int
    weight_sum: float


@dataclass(frozen=True)
class CriterionTally:
    """Valid (non-N/A) answers to one criterion at one unit."""

    n: int
    satisfied: int
    weight_sum: float
    satisfied_weight: float


@dataclass(frozen=True)
class RoundTally:
    units: dict[int, UnitTally]
    # criterion code -> unit id -> tally
    criteria: dict[str, dict[int, CriterionTally]]


def weighted_responses(round_id: int, calibrated: bool = True) -> Select[int, int, float]:
    """(response id, unit id, weight) of every valid response of the round.

    Under weighting 'raked', the round's active weight set decides (app.weights.query: the
    responses it does not cover are left out); ``calibrated=False`` gives base weights only.
    """
    counts = (
        select(Response.unit_id, func.count().label("n"))
        .where(Response.round_id == round_id, Response.status == "valid")
        .group_by(Response.unit_id)
        .subquery("counts")
    )
    derived = cast(RoundUnit.volume, Float) / counts.c.n
    base: ColumnElement[float] = func.coalesce(Response.base_weight, derived, literal(1.0, Float))
    active = active_weights(round_id)
    weight = func.coalesce(active.c.weight, base) if calibrated else base
    stmt = (
        select(Response.id, Response.unit_id, weight.label("weight"))
        .join(counts, counts.c.unit_id == Response.unit_id)
        .outerjoin(
            RoundUnit,
            (RoundUnit.round_id == Response.round_id) & (RoundUnit.unit_id == Response.unit_id),
        )
        .where(Response.round_id == round_id, Response.status == "valid")
    )
    if not calibrated:
        return stmt
    return stmt.outerjoin(active, active.c.response_id == Response.id).where(
        covered(active, round_id)
    )


def satisfied_condition(satisfied: Mapping[str, Sequence[int]]) -> ColumnElement[bool]:
    """An answer counts as satisfied at its own criterion's levels (scales may differ)."""
    by_levels: dict[tuple[float, ...], list[str]] = {}
    for code, levels in satisfied.items():
        by_levels.setdefault(tuple(sorted(float(v) for v in levels)), []).append(code)
    if len(by_levels) == 1:  # the usual case: one scale for every criterion
        return Answer.value.in_(next(iter(by_levels)))
    return or_(
        *(
            and_(Answer.question.in_(codes), Answer.value.in_(levels))
            for levels, codes in by_levels.items()
        )
    )


async def tally_round(
    session: AsyncSession,
    round_id: int,
    criteria: Sequence[str],
    satisfied: Sequence[int] | Mapping[str, Sequence[int]],
) -> RoundTally:
    """Per unit: respondents and weight sum; per unit and criterion: the four sums.

    ``satisfied``: the levels that count as satisfied, for all criteria or per criterion.
    """
    weighted = weighted_responses(round_id).subquery("weighted")
    unit_rows = await session.execute(
        select(weighted.c.unit_id, func.count(), func.sum(weighted.c.weight)).group_by(
            weighted.c.unit_id
        )
    )
    units = {uid: UnitTally(int(n), float(w)) for uid, n, w in unit_rows}

    levels = satisfied if isinstance(satisfied, Mapping) else dict.fromkeys(criteria, satisfied)
    is_satisfied = satisfied_condition(levels)
    rows = await session.execute(
        select(
            weighted.c.unit_id,
            Answer.question,
            func.count(),
            func.sum(case((is_satisfied, 1), else_=0)),
            func.sum(weighted.c.weight),
            func.sum(case((is_satisfied, weighted.c.weight), else_=0.0)),
        )
        .join(weighted, weighted.c.id == Answer.response_id)
        .where(Answer.question.in_(list(criteria)), Answer.value.is_not(None))
        .group_by(weighted.c.unit_id, Answer.question)
    )
    tallies: dict[str, dict[int, CriterionTally]] = {code: {} for code in criteria}
    for uid, code, n, s, w, sw in rows:
        tallies[code][uid] = CriterionTally(int(n), int(s), float(w), float(sw))
    return RoundTally(units, tallies)
