"""The answers of a unit group as a matrix (responses × questions), with each response's
design weight and its stratum and PSU keys (for the bootstrap, app.improvement.bootstrap)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.improvement.bootstrap import codes as key_codes
from app.improvement.weighting import unit_weights
from app.models import Answer, Response, Round
from app.models.base import as_utc
from app.statistics.design import Design
from app.units.service import UnitTree

MAX_RESPONSES = 5_000  # above: a systematic subsample (bounded work per computation)


@dataclass(frozen=True)
class Matrix:
    values: np.ndarray  # responses × codes, NaN for N/A or unanswered
    weights: np.ndarray
    strata: np.ndarray  # integer codes
    psus: np.ndarray  # integer codes, unique across strata
    step: int  # 1-in-step subsample (1: all)


def _stratum(design: Design, tree: UnitTree, unit_id: int, column: str | None) -> object:
    if design.strata is None:
        return ""
    if design.strata == "unit":
        return unit_id
    if design.strata == "column":
        return column or ""
    above = [n.id for n in tree.ancestors(unit_id) if n.level == design.strata]
    return above[0] if above else f"u{unit_id}"  # a unit without one: its own stratum


def _psu(
    design: Design, zone: ZoneInfo, row_id: int, unit_id: int, psu: str | None, at: datetime | None
) -> object:
    if design.psu == "column":
        return psu or f"#{row_id}"
    if design.psu == "day" and at is not None:
        return (unit_id, as_utc(at).astimezone(zone).date())
    return row_id


async def response_matrix(
    session: AsyncSession,
    round_: Round,
    unit_ids: set[int],
    codes: list[str],
    design: Design,
    tree: UnitTree,
    max_responses: int = MAX_RESPONSES,
) -> Matrix:
    """The valid responses in ``unit_ids`` by response id: all up to ``max_responses``, else
    a systematic 1-in-m subsample by id (each keeps its design weight)."""
    count = await session.scalar(
        select(func.count())
        .select_from(Response)
        .where(
            Response.round_id == round_.id,
            Response.status == "valid",
            Response.unit_id.in_(unit_ids),
        )
    )
    step = max(1, math.ceil((count or 0) / max_responses))
    w = unit_weights(round_, unit_ids)
    if step > 1:
        w = w.where(Response.id % step == 0)
    sampled = w.subquery("w")
    # One row per response (the database pivots its answers): far fewer rows to read.
    columns = [
        func.max(case((Answer.question == code, Answer.value))).label(f"q{i}")
        for i, code in enumerate(codes)
    ]
    keys = [func.max(c) for c in (sampled.c.unit_id, Response.stratum, Response.psu)]
    stmt = (
        select(sampled.c.id, func.max(sampled.c.weight), *keys, func.max(Response.submitted_at))
        .add_columns(*columns)
        .join(Answer, (Answer.response_id == sampled.c.id) & Answer.question.in_(codes))
        .join(Response, Response.id == sampled.c.id)
        .group_by(sampled.c.id)
        .order_by(sampled.c.id)
    )
    rows = (await session.execute(stmt)).all()
    zone = ZoneInfo(design.timezone)
    strata = [_stratum(design, tree, r[2], r[3]) for r in rows]
    psus = [
        (s, _psu(design, zone, r[0], r[2], r[4], r[5])) for s, r in zip(strata, rows, strict=True)
    ]
    data = np.array([[np.nan if v is None else float(v) for v in r[6:]] for r in rows]).reshape(
        len(rows), len(codes)
    )
    weights = np.array([float(r[1]) for r in rows])
    return Matrix(data, weights, key_codes(strata), key_codes(psus), step)
