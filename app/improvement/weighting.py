"""The weighted valid responses of some units of a round, read without touching the others.

The same weights as app.statistics.weighted.weighted_responses (base weight, else the unit's
volume over its valid responses, else 1; a 'raked' round: its active weight set, through that
function), but the per-unit counts are taken over the given units only, so that a counter's
analysis does not group the whole round's responses."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Float, Select, cast, func, literal, select

from app.models import Response, Round, RoundUnit
from app.statistics.weighted import weighted_responses


def unit_weights(round_: Round, unit_ids: Collection[int]) -> Select[int, int, float]:
    """(response id, unit id, weight) of the valid responses of ``unit_ids``."""
    if round_.weighting == "raked":
        w = weighted_responses(round_.id).subquery("w")
        return select(w.c.id, w.c.unit_id, w.c.weight).where(w.c.unit_id.in_(unit_ids))
    valid = (
        Response.round_id == round_.id,
        Response.status == "valid",
        Response.unit_id.in_(unit_ids),
    )
    counts = (
        select(Response.unit_id, func.count().label("n"))
        .where(*valid)
        .group_by(Response.unit_id)
        .subquery("counts")
    )
    derived = cast(RoundUnit.volume, Float) / counts.c.n
    weight = func.coalesce(Response.base_weight, derived, literal(1.0, Float))
    return (
        select(Response.id, Response.unit_id, weight.label("weight"))
        .join(counts, counts.c.unit_id == Response.unit_id)
        .outerjoin(
            RoundUnit,
            (RoundUnit.round_id == Response.round_id) & (RoundUnit.unit_id == Response.unit_id),
        )
        .where(*valid)
    )
