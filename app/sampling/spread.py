"""S_h for a Neyman allocation: the spread of satisfaction in a unit's previous round.

For each response, its overall satisfied share x = (criteria answered at a satisfied level) /
(criteria answered, N/A excluded). S_h is the standard deviation of x over the unit's valid
responses in the latest earlier round that has at least two of them. The sums n, Σx, Σx² are
aggregated in SQL (SQLite has no STDDEV); pooled strata combine their members' sums exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.forms.registry import Catalogue
from app.models import Answer, Response, Round, RoundUnit
from app.statistics.weighted import satisfied_condition


@dataclass(frozen=True)
class Moments:
    """n, Σx and Σx² of the per-response satisfied shares of one unit in one round."""

    n: int
    total: float
    squares: float

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.total + other.total, self.squares + other.squares)

    @property
    def sd(self) -> float | None:
        if self.n < 2:
            return None
        return math.sqrt(max(0.0, (self.squares - self.total**2 / self.n) / (self.n - 1)))


async def _round_moments(
    session: AsyncSession, catalogue: Catalogue, round_: Round, unit_ids: Iterable[int]
) -> dict[int, Moments]:
    try:
        instrument = catalogue.get(round_.form_code).instrument
    except NotFound:
        return {}
    levels = {q.code: instrument.scale_of(q).satisfied for q in instrument.criteria}
    levels = {code: lv for code, lv in levels.items() if lv}
    if not levels:  # scored in points: no "satisfied" level to count
        return {}
    hit = case((satisfied_condition(levels), 1.0), else_=0.0)
    shares = (
        select(Response.unit_id, (func.sum(hit) / cast(func.count(), Float)).label("x"))
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.round_id == round_.id, Response.status == "valid")
        .where(Response.unit_id.in_(list(unit_ids)))
        .where(Answer.question.in_(list(levels)), Answer.value.is_not(None))
        .group_by(Response.id, Response.unit_id)
        .subquery("shares")
    )
    rows = await session.execute(
        select(
            shares.c.unit_id, func.count(), func.sum(shares.c.x), func.sum(shares.c.x * shares.c.x)
        ).group_by(shares.c.unit_id)
    )
    return {uid: Moments(int(n), float(s), float(q)) for uid, n, s, q in rows if n >= 2}


async def previous_moments(
    session: AsyncSession, catalogue: Catalogue, round_: Round, unit_ids: Sequence[int]
) -> dict[int, tuple[str, Moments]]:
    """Per unit: (round code, moments) from its latest earlier round with ≥ 2 responses."""
    covering = select(RoundUnit.round_id).where(RoundUnit.unit_id.in_(list(unit_ids)))
    earlier = await session.scalars(  # no DISTINCT over rows: JSON columns have no equality
        select(Round)
        .where(Round.starts_on < round_.starts_on, Round.id.in_(covering))
        .order_by(Round.starts_on.desc(), Round.id.desc())
    )
    found: dict[int, tuple[str, Moments]] = {}
    for previous in earlier.all():
        missing = [u for u in unit_ids if u not in found]
        if not missing:
            break
        for uid, moments in (await _round_moments(session, catalogue, previous, missing)).items():
            found[uid] = (previous.code, moments)
    return found
