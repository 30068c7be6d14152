"""The integrity report of a round: per unit, how its responses came in, which rules fired,
what was held, accepted and rejected, the index with and without held responses, and the
evidence an inspector reads before publishing a ranking (submissions per day against the
counter's transactions, the day's satisfied share against the unit's other days).

Computed set-wise (a handful of GROUP BY queries over the round) by the background task
(app/integrity/tasks.py) and stored with its time (``as_of``); requests read it as it is.

The index here is the unit's own: within one unit every response weighs the same under the
round's volume weighting (w = N_h/n_h), so without held responses it is the published unit
figure; with given or raked weights it is the unweighted figure of the unit.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.forms.schema import Instrument
from app.integrity.policy import IntegrityPolicy, policy_of
from app.models import Answer, Response, ResponseFlag, Round, RoundUnit
from app.statistics.inference import combinations
from app.units.service import UnitTree

Row = dict[str, Any]


def local_day(dialect: str, timezone: str) -> tuple[str, dict[str, str]]:
    """SQL for a response's local date of submission, and its parameter."""
    if dialect == "postgresql":
        return "to_char(timezone(CAST(:tz AS TEXT), submitted_at), 'YYYY-MM-DD')", {"tz": timezone}
    offset = datetime.now(ZoneInfo(timezone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return "date(submitted_at, :tz)", {"tz": f"{minutes:+d} minutes"}


async def _counts(session: AsyncSession, round_id: int) -> dict[int, Row]:
    """Per unit: responses by channel, by status, and by review outcome."""
    rows = await session.execute(
        select(Response.unit_id, Response.channel, Response.status, Response.review, func.count())
        .where(Response.round_id == round_id)
        .group_by(Response.unit_id, Response.channel, Response.status, Response.review)
    )
    units: dict[int, Row] = defaultdict(
        lambda: {"responses": 0, "channels": {}, "status": {}, "review": {}}
    )
    for unit_id, channel, status, review, n in rows:
        unit = units[unit_id]
        unit["responses"] += n
        unit["channels"][channel] = unit["channels"].get(channel, 0) + n
        unit["status"][status] = unit["status"].get(status, 0) + n
        if review:
            unit["review"][review] = unit["review"].get(review, 0) + n
    return units


async def _flags(session: AsyncSession, round_id: int) -> dict[int, dict[str, int]]:
    rows = await session.execute(
        select(Response.unit_id, ResponseFlag.rule, func.count())
        .join(Response, Response.id == ResponseFlag.response_id)
        .where(Response.round_id == round_id)
        .group_by(Response.unit_id, ResponseFlag.rule)
    )
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for unit_id, rule, n in rows:
        found[unit_id][rule] = n
    return found


async def _shares(
    session: AsyncSession, round_id: int, instrument: Instrument
) -> dict[tuple[int, str], np.ndarray]:
    """Per (unit, status in valid/held): satisfied and answered counts of each criterion."""
    codes = [q.code for q in instrument.criteria]
    satisfied_levels = {q.code: instrument.scale_of(q).satisfied for q in instrument.criteria}
    rows = await session.execute(
        select(Response.unit_id, Response.status, Answer.question, Answer.value, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.round_id == round_id,
            Response.status.in_(("valid", "held")),
            Answer.question.in_(codes),
            Answer.value.is_not(None),
        )
        .group_by(Response.unit_id, Response.status, Answer.question, Answer.value)
    )
    index = {code: i for i, code in enumerate(codes)}
    found: dict[tuple[int, str], np.ndarray] = {}
    for unit_id, status, code, value, n in rows:
        counts = found.setdefault((unit_id, status), np.zeros((2, len(codes))))
        counts[1, index[code]] += n
        if value is not None and int(value) in satisfied_levels[code]:
            counts[0, index[code]] += n
    return found


def index_of(instrument: Instrument, counts: np.ndarray | None) -> float | None:
    """The overall index (0–100) of satisfied/answered counts, by the instrument's rule."""
    if counts is None or instrument.aggregation.is_points:
        return None
    answered = counts[1] > 0
    if not answered.any():
        return None
    shares = np.divide(counts[0], counts[1], out=np.zeros(counts.shape[1]), where=answered)
    overall = combinations(instrument, answered)[-1]
    return round(float(overall @ shares) * 100, 6)


async def _days(
    session: AsyncSession, round_id: int, instrument: Instrument, timezone: str
) -> dict[int, list[Row]]:
    """Per unit and local day: responses, held ones, and the satisfied share of answers."""
    dialect = session.get_bind().dialect.name
    day_sql, params = local_day(dialect, timezone)
    satisfied = sorted({v for q in instrument.criteria for v in instrument.scale_of(q).satisfied})
    codes = [q.code for q in instrument.criteria]
    in_codes = ", ".join(f":c{i}" for i in range(len(codes))) or "NULL"
    in_levels = ", ".join(str(float(v)) for v in satisfied) or "NULL"
    sql = text(
        f"""
        SELECT r.unit_id, {day_sql.replace("submitted_at", "r.submitted_at")} AS day,
               count(DISTINCT r.id) AS responses,
               count(DISTINCT CASE WHEN r.status = 'held' THEN r.id END) AS held,
               sum(CASE WHEN a.value IN ({in_levels}) THEN 1 ELSE 0 END) AS satisfied,
               count(a.value) AS answered
        FROM response r LEFT JOIN answer a
          ON a.response_id = r.id AND a.question IN ({in_codes}) AND a.value IS NOT NULL
        WHERE r.round_id = :round_id AND r.status IN ('valid', 'held')
        GROUP BY r.unit_id, day ORDER BY r.unit_id, day
        """
    )
    values = {**params, "round_id": round_id, **{f"c{i}": c for i, c in enumerate(codes)}}
    found: dict[int, list[Row]] = defaultdict(list)
    for unit_id, day, responses, held, sat, answered in await session.execute(sql, values):
        found[unit_id].append(
            {
                "day": str(day),
                "responses": int(responses),
                "held": int(held),
                "satisfied": int(sat or 0),
                "answered": int(answered or 0),
            }
        )
    return found


def _expected_per_day(
    policy: IntegrityPolicy, round_: Round, code: str, volume: int | None
) -> float | None:
    if not volume:
        return None
    minutes = policy.open_minutes(code, round_.starts_on, round_.ends_on)
    opens, closes = policy.opening(code)
    per_day = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
    return round(volume / minutes * per_day, 3)


def suspicion(unit: Row) -> float:
    """How gamed a unit's data look, for ranking units (0: nothing): the share of its
    responses held or rejected, plus the index's move that held responses would make (per
    10 points), plus one if it has more responses than transactions."""
    n = unit["responses"] or 1
    doubtful = unit["status"].get("held", 0) + unit["review"].get("rejected", 0)
    move = abs((unit["index_with_held"] or 0) - (unit["index"] or 0)) / 10
    over = 1.0 if unit["over_volume"] else 0.0
    return round(float(doubtful / n + move + over), 6)


async def compute_report(
    session: AsyncSession, round_: Round, instrument: Instrument, tree: UnitTree, timezone: str
) -> dict[str, Any]:
    """Every unit of the round with responses, most suspicious first."""
    policy = policy_of(round_.integrity_policy)
    counts = await _counts(session, round_.id)
    flags = await _flags(session, round_.id)
    shares = await _shares(session, round_.id, instrument)
    days = await _days(session, round_.id, instrument, timezone)
    volumes = dict(
        (
            await session.execute(
                select(RoundUnit.unit_id, RoundUnit.volume).where(RoundUnit.round_id == round_.id)
            )
        ).all()
    )
    units = []
    for unit_id, row in counts.items():
        node = tree.by_id.get(unit_id)
        valid, held = shares.get((unit_id, "valid")), shares.get((unit_id, "held"))
        both = (
            valid + held
            if valid is not None and held is not None
            else (valid if held is None else held)
        )
        volume = volumes.get(unit_id)
        counted = row["status"].get("valid", 0) + row["status"].get("held", 0)
        unit = {
            "unit": node.code if node else str(unit_id),
            "name": node.name if node else "",
            **row,
            "flags": flags.get(unit_id, {}),
            "index": index_of(instrument, valid),
            "index_with_held": index_of(instrument, both),
            "volume": volume,
            "over_volume": bool(volume is not None and counted > volume),
            "expected_per_day": _expected_per_day(
                policy, round_, node.code if node else "", volume
            ),
            "days": days.get(unit_id, []),
        }
        unit["suspicion"] = suspicion(unit)
        units.append(unit)
    units.sort(key=lambda u: (-u["suspicion"], u["unit"]))
    return {"round": round_.code, "policy": policy.model_dump(), "units": units}
