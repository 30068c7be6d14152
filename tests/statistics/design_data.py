"""Survey data for the design-based tests: unequal weights, N/A answers, strata, PSUs."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import text

from app.collection.answers import ParsedAnswer, parse_submission
from tests.factories import CRITERIA, Province, add_response, make_province, ratings
from tests.forms.answering import fill
from tests.statistics.r_design import Layout

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


# The single-choice question 'field' (procedure field): None leaves it unanswered.
FIELDS = ["land", "land", "business", "civil_status", None]


async def seed(app: FastAPI, seed: int = 7) -> Province:
    """Ratings skewed to satisfied, 15% N/A; a few responses answer nothing (all N/A); the
    procedure field drawn from FIELDS (with a generator of its own)."""
    province = await make_province(app, volumes=dict(VOLUMES))
    rng, fields = random.Random(seed), random.Random(seed + 1)
    for unit, n in SIZES.items():
        for _ in range(n):
            all_na = rng.random() < 0.05
            values: dict[str, int | str] = {
                c: "na" if all_na or rng.random() < 0.15 else rng.choice([1, 2, 3, 4, 4, 5, 5])
                for c in CRITERIA
            }
            answers = [a for a in ratings(values) if a.question != "field"]
            field = fields.choice(FIELDS)
            if field is not None:
                answers.append(ParsedAnswer("field", 0, None, field))
            await add_response(app, province, unit, answers)
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


def layout_of(province: Province, case: tuple) -> Layout:
    """What r_design.export writes for the case's design over the province's counters."""
    _weighting, strata, psu, _fpc, _spread = case
    codes = {u.id: code for code, u in province.units.items()}
    return Layout(province.round.id, codes, DEPARTMENT, CRITERIA, strata, psu, dict(VOLUMES))


async def apply_case(app: FastAPI, province: Province, case: tuple) -> None:
    """The case's design on the round (and its base weights and design columns)."""
    weighting, strata, psu, fpc, spread = case
    if spread:
        await spread_responses(app, province)
    await set_design(app, province, weighting, strata, psu, fpc)
