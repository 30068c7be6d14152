"""The active weight set, as SQL that app.statistics.weighted joins to the responses.

Rule: when a round is weighted 'raked' and has an active weight set, its responses weigh what
the set says, and valid responses the set does not cover (they arrived, or were re-validated,
after it was computed) are LEFT OUT of weighted estimates: the set's weights add up to the
population totals, and adding base-weighted responses would break that and mix two scales.
``coverage`` counts them, so that reports can say the set is stale and how much so. Without
an active set a 'raked' round falls back to its base weights (reports state no set).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Subquery, exists, select

from app.models import Round, WeightSet, WeightValue


def _in_use(round_id: int) -> ColumnElement[bool]:
    return (WeightSet.round_id == round_id) & WeightSet.active & (Round.weighting == "raked")


def active_weights(round_id: int) -> Subquery:
    """(response_id, weight) of the set the round's estimates use; empty when none."""
    return (
        select(WeightValue.response_id, WeightValue.weight)
        .join(WeightSet, WeightSet.id == WeightValue.weight_set_id)
        .join(Round, Round.id == WeightSet.round_id)
        .where(_in_use(round_id))
        .subquery("calibrated")
    )


def covered(calibrated: Subquery, round_id: int) -> ColumnElement[bool]:
    """True for a response the estimates use: in the active set, or no set is in use."""
    in_use = exists(select(WeightSet.id).join(Round, Round.id == WeightSet.round_id)).where(
        _in_use(round_id)
    )
    return calibrated.c.weight.is_not(None) | ~in_use
