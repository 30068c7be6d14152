"""The weighted valid responses of a round, and what counts as a satisfied answer.

Weights. A response's base weight is, in order: its given ``base_weight`` (imports, list
samples: 1/π); else N_h / n_h, the unit's transaction volume for the round over the unit's
number of valid responses, so that a busy counter counts for what it serves; else 1 when no
volume is known. It is derived when read, so it is always current as responses arrive and
volumes change. A round weighted 'raked' uses its active weight set instead (app.weights).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Float, Select, and_, cast, func, literal, or_, select
from sqlalchemy.sql import ColumnElement

from app.models import Answer, Response, RoundUnit
from app.weights.query import active_weights, covered


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
