"""Decision 766/QĐ-TTg point scores of the components the feed and the dossier ratings
determine, per unit (and group) and period, beside the percentages (docs/dossiers.md).

Decision 766/QĐ-TTg (23/6/2022) scores service in five groups of indicators, 100 points in
all: publicity and transparency 18, progress of handling 20, online public services 22,
satisfaction 18, digitisation of records 22 (the domain brief confirms 100 points in five
groups and the satisfaction group's 18; the others are unverified). The scoring tables inside
each group (which sub-indicators, and how a share becomes points) could not be verified here,
so each score below is **adapted**: the group's maximum × the one share these data
determine. A score is None where its share is (no denominator). The rules are stated in
``COMPONENTS`` and in the API answer, the CSV header and docs/dossiers.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.dossiers.indicators import By
from app.dossiers.schemas import ScoreComponent
from app.models import DossierRatingState, DossierRatingTally

T = DossierRatingTally
BY_COLUMN = {"procedure": T.procedure_code, "field": T.field, "channel": T.channel}

COMPONENTS = (
    ScoreComponent(
        code="progress",
        group="Tiến độ giải quyết (progress of handling)",
        group_points=20,
        share="timely_share",
        rule="progress_points = 20 × timely_share ÷ 100, where timely_share = (early + on "
        "time) ÷ dossiers with a due day",
        basis="adapted",
        note="sipas's adaptation: the group's points scaled by the share returned by the due "
        "day. Unverified: the group's 20 points and its sub-indicators (Decision 766's "
        "appendix was not at hand; docs/dossiers.md).",
    ),
    ScoreComponent(
        code="online",
        group="Dịch vụ công trực tuyến (online public services)",
        group_points=22,
        share="online_share",
        rule="online_points = 22 × online_share ÷ 100, where online_share = dossiers received "
        "online ÷ dossiers returned",
        basis="adapted",
        note="sipas's adaptation: the group's points scaled by the share of dossiers handled "
        "online. Unverified: the group's 22 points and its inputs; procedures offered online "
        "and online payment are not in the feed (docs/dossiers.md).",
    ),
    ScoreComponent(
        code="satisfaction",
        group="Mức độ hài lòng (satisfaction)",
        group_points=18,
        share="satisfaction_share",
        rule="satisfaction_points = 18 × satisfaction_share ÷ 100, where satisfaction_share = "
        "satisfied ÷ answered criterion answers of the responses given through a dossier's own "
        "rating code in the period (by the response's day; unweighted)",
        basis="adapted",
        note="The group's 18 points and the satisfied-answer convention follow the domain "
        "brief; scaling the points by the share pooled over all criterion answers is sipas's "
        "adaptation, not the instrument's declared aggregation (docs/dossiers.md).",
    ),
)
POINTS = {c.code: (c.share, c.group_points) for c in COMPONENTS}


def points(shares: dict[str, float | None]) -> dict[str, float | None]:
    """``<code>_points`` of each component from its share (in %), None without a share."""
    out: dict[str, float | None] = {}
    for code, (share, maximum) in POINTS.items():
        value = shares.get(share)
        out[f"{code}_points"] = None if value is None else maximum * value / 100.0
    return out


async def rated_counts(
    session: AsyncSession, period: tuple[date, date], unit_ids: Iterable[int] | None, by: By
) -> dict[tuple[int, str], tuple[int, int]]:
    """(unit id, group) -> (answered, satisfied) of dossier-rated responses given in the
    period, summed over the worker's rows (app/dossiers/rating_tally.py) of every round."""
    group = BY_COLUMN[by] if by != "none" else None
    keys: list[Any] = [T.unit_id] + ([group] if group is not None else [])
    query = select(*keys, func.sum(T.answered), func.sum(T.satisfied)).where(
        T.day >= period[0], T.day <= period[1]
    )
    if unit_ids is not None:
        query = query.where(T.unit_id.in_(list(unit_ids)))
    found: dict[tuple[int, str], tuple[int, int]] = {}
    for row in await session.execute(query.group_by(*keys)):
        answered, satisfied = int(row[-2] or 0), int(row[-1] or 0)
        if answered:
            found[(row[0], str(row[1]) if group is not None else "")] = (answered, satisfied)
    return found


async def ratings_as_of(session: AsyncSession) -> Any:
    """The oldest computation of the rounds' rated-dossier rows (None: none yet)."""
    return await session.scalar(select(func.min(DossierRatingState.as_of)))
