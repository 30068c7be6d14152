"""Survey data for the design-based tests: unequal weights, N/A answers, strata, PSUs."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import select, text

from app.collection.answers import parse_submission
from app.config import Settings
from app.models import Answer, Response
from app.models.base import as_utc
from app.statistics.tally import weighted_responses
from tests.factories import CRITERIA, Province, add_response, make_province, ratings
from tests.forms.answering import fill

# Responses per counter; C21 is small so that its strata and PSUs are few.
SIZES = {"C11": 23, "C12": 14, "C21": 9}
VOLUMES: dict[str, int | None] = {"C11": 1234, "C12": 377, "C21": 90}
DEPARTMENT = {"C11": "D1", "C12": "D1", "C21": "D2"}
DOMAINS = {"P": ["C11", "C12", "C21"], "D1": ["C11", "C12"], "D2": ["C21"]} | {
    c: [c] for c in DEPARTMENT
}
CASES = {
    # name: (weighting, strata, psu, fpc, base weights and design columns)
    "weights-only": ("volume", None, None, False, False),
    "unit-strata-fpc": ("volume", "unit", None, True, False),
    "unit-strata-base-weights": ("as-given", "unit", None, False, True),
    "level-strata": ("as-given", "department", None, False, True),
    "column-strata-column-psu-lonely": ("as-given", "column", "column", False, True),
    "unit-strata-day-psu": ("volume", "unit", "day", False, True),
}
# A response's answers: question -> [(value, text)] in ordinal order
Answers = dict[str, list[tuple[float | None, str | None]]]


async def seed(app: FastAPI, seed: int = 7) -> Province:
    """Ratings skewed to satisfied, 15% N/A; a few responses answer nothing (all N/A)."""
    province = await make_province(app, volumes=dict(VOLUMES))
    rng = random.Random(seed)
    for unit, n in SIZES.items():
        for _ in range(n):
            all_na = rng.random() < 0.05
            values: dict[str, int | str] = {
                c: "na" if all_na or rng.random() < 0.15 else rng.choice([1, 2, 3, 4, 4, 5, 5])
                for c in CRITERIA
            }
            await add_response(app, province, unit, ratings(values))
    return province


async def set_design(
    app: FastAPI,
    province: Province,
    weighting: str = "volume",
    strata: str | None = None,
    psu: str | None = None,
    fpc: bool = False,
) -> None:
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(
            text(
                "UPDATE round SET weighting = :w, design_strata = :s, design_psu = :p, "
                "design_fpc = :f WHERE id = :r"
            ),
            {"w": weighting, "s": strata, "p": psu, "f": fpc, "r": province.round.id},
        )
    await app.state.db.engine.dispose()  # no session keeps the old round row


async def spread_responses(app: FastAPI, province: Province, seed: int = 3) -> None:
    """Base weights (unequal), a stratum and PSU column, submission days over four days."""
    rng = random.Random(seed)
    async with app.state.db.write_sessions.begin() as session:
        ids = (
            await session.execute(
                text("SELECT id, unit_id FROM response WHERE round_id = :r ORDER BY id"),
                {"r": province.round.id},
            )
        ).all()
        start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
        for i, (rid, unit_id) in enumerate(ids):
            await session.execute(
                text(
                    "UPDATE response SET base_weight = :w, stratum = :s, psu = :p, "
                    "submitted_at = :t WHERE id = :id"
                ),
                {
                    "w": round(rng.uniform(0.5, 4.0), 3),
                    # 'lone' holds exactly one response: a single-PSU stratum
                    "s": "lone" if i == 5 else rng.choice(["north", "south"]),
                    # PSU labels are read within (unit, stratum); make them unit-specific
                    "p": f"u{unit_id}b{rng.randint(1, 4)}",
                    "t": start + timedelta(hours=rng.randint(0, 95)),
                    "id": rid,
                },
            )


async def answer_form(
    app: FastAPI, form: str, unit: str, province: Province, overrides: dict
) -> None:
    """Store a complete, valid submission of ``form`` with ``overrides`` (tests.forms.answering)."""
    instrument = app.state.catalogue.get(form).instrument
    parsed = parse_submission(instrument, fill(instrument, overrides))
    assert parsed.ok, parsed.errors
    await add_response(app, province, unit, parsed.answers)


def _stratum(strata: str | None, unit: str, response: Response) -> str:
    if strata == "unit":
        return unit
    if strata == "column":
        return response.stratum or ""
    return DEPARTMENT[unit] if strata == "department" else "all"


def _psu(psu: str | None, unit: str, response: Response, zone: ZoneInfo) -> str:
    if psu == "column":
        return response.psu or f"#{response.id}"
    if psu == "day":
        return f"{unit}:{as_utc(response.submitted_at).astimezone(zone).date()}"
    return str(response.id)


async def export(
    app: FastAPI,
    province: Province,
    case: tuple,
    path: Path,
    settings: Settings,
    columns: tuple[list[str], Callable[[Answers], list[object]]],
) -> None:
    """One row per valid response for R: unit, department, weight (tally.weighted_responses),
    stratum, PSU and fpc labels of the ``case``'s design, then ``columns`` (header, values of
    a response's answers)."""
    _weighting, strata, psu, _fpc, _spread = case
    code = {u.id: c for c, u in province.units.items()}
    zone = ZoneInfo(settings.timezone)
    async with app.state.db.sessions() as session:
        weighted = weighted_responses(province.round.id).subquery()
        rows = await session.execute(
            select(Response, weighted.c.weight).join(weighted, weighted.c.id == Response.id)
        )
        answers: dict[int, Answers] = {}
        stored = await session.execute(
            select(Answer.response_id, Answer.question, Answer.value, Answer.text).order_by(
                Answer.response_id, Answer.question, Answer.ordinal
            )
        )
        for rid, question, value, option in stored:
            answers.setdefault(rid, {}).setdefault(question, []).append((value, option))
        header, values = columns
        with path.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["unit", "department", "weight", "stratum", "psu", "fpc", *header])
            for response, weight in rows:
                unit = code[response.unit_id]
                out.writerow(
                    [
                        unit,
                        DEPARTMENT[unit],
                        repr(float(weight)),
                        _stratum(strata, unit, response),
                        _psu(psu, unit, response, zone),
                        VOLUMES[unit],
                        *values(answers.get(response.id, {})),
                    ]
                )


async def apply_case(app: FastAPI, province: Province, case: tuple) -> None:
    """The case's design on the round (and its base weights and design columns)."""
    weighting, strata, psu, fpc, spread = case
    if spread:
        await spread_responses(app, province)
    await set_design(app, province, weighting, strata, psu, fpc)


def domains_file(path: Path) -> Path:
    path.write_text("\n".join(f"{d}:{','.join(units)}" for d, units in DOMAINS.items()) + "\n")
    return path


def design_flags(case: tuple) -> list[str]:
    """R's strata, psu and fpc switches (0/1) for a case."""
    _weighting, strata, psu, fpc, _spread = case
    return [str(int(bool(x))) for x in (strata, psu, fpc)]
