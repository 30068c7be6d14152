"""Base weights of list samples: w = 1 / π, stored with each response."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.models import Response, Round
from app.weights.errors import WeightingError


def inclusion_probability(stages: float | Sequence[float]) -> float:
    """π = the product of the selection probabilities of every stage (each in (0, 1])."""
    values = [stages] if isinstance(stages, int | float) else list(stages)
    if not values or not all(math.isfinite(p) and 0 < p <= 1 for p in values):
        raise WeightingError(f"selection probabilities must lie in (0, 1]: {values}")
    return math.prod(values)


async def set_base_weights(
    session: AsyncSession,
    actor: Actor,
    round_: Round,
    probabilities: Mapping[int, float | Sequence[float]],
) -> int:
    """Store base_weight = 1 / π for each response id (π: one probability, or one per stage).

    Every id must be a response of the round. Returns how many were set; audited once.
    """
    weights = {rid: 1.0 / inclusion_probability(p) for rid, p in probabilities.items()}
    ids, known = list(weights), set[int]()
    for start in range(0, len(ids), 5000):  # within every backend's limit on parameters
        chunk = ids[start : start + 5000]
        stmt = select(Response.id).where(Response.round_id == round_.id, Response.id.in_(chunk))
        known.update((await session.scalars(stmt)).all())
    if unknown := sorted(set(weights) - known):
        raise WeightingError(f"not responses of round {round_.code}: {unknown[:5]}")
    if weights:
        rows = [{"id": rid, "base_weight": w} for rid, w in weights.items()]
        await session.execute(update(Response), rows)
        await session.flush()
    await record(
        session,
        actor,
        "response.base_weight",
        "round",
        round_.code,
        None,
        {
            "responses": len(weights),
            "min": min(weights.values(), default=None),
            "max": max(weights.values(), default=None),
        },
    )
    return len(weights)
