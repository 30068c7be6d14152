"""Respondents with a gender and an age band at several counters, unequal base weights."""

from __future__ import annotations

import random
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from app.audit.service import CLI
from app.collection.answers import ParsedAnswer
from app.db import Database
from app.models import Response, WeightSet
from app.weights.base import set_base_weights
from app.weights.schemas import ComputeRequest
from app.weights.service import compute_weight_set
from tests.factories import Province, add_response, make_province, ratings

GENDERS = ["female", "male"]
AGES = ["18_24", "25_34", "35_49", "50_60", "over_60"]
# Counter -> respondents. Volumes C11 1234, C12 377, C21 800: N_h / n_h differ per counter.
SIZES = {"C11": 31, "C12": 17, "C21": 24}
VOLUMES: dict[str, int | None] = {"C11": 1234, "C12": 377, "C21": 800}
GENDER = [
    {"variable": "gender", "category": "female", "total": 1300.0},
    {"variable": "gender", "category": "male", "total": 1200.0},
]
UNITS = [
    {"variable": "unit", "category": "C11", "total": 1200.0},
    {"variable": "unit", "category": "C12", "total": 400.0},
    {"variable": "unit", "category": "C21", "total": 900.0},
]
RAKE: dict[str, Any] = {"method": "rake", "margins": GENDER + UNITS}


async def compute(app: FastAPI, province: Province, body: dict[str, Any]) -> tuple[WeightSet, bool]:
    """Compute (or find) a weight set of the province's round, as the API does."""
    async with app.state.db.write_sessions.begin() as session:
        instrument = app.state.catalogue.get(province.round.form_code).instrument
        request = ComputeRequest.model_validate(body)
        return await compute_weight_set(session, CLI, province.round, instrument, request)


def person(rng: random.Random, unit: str) -> list[ParsedAnswer]:
    women = {"C11": 0.65, "C12": 0.4, "C21": 0.5}[unit]
    gender = "female" if rng.random() < women else "male"
    age = rng.choices(AGES, weights=[1, 3, 4, 3, 1 + (unit == "C21") * 2])[0]
    answers = ratings({"ACC1": rng.randint(1, 5), "OFF1": rng.randint(2, 5)})
    return [
        *answers,
        ParsedAnswer("gender", 0, None, gender),
        ParsedAnswer("age_band", 0, None, age),
    ]


async def seed_people(
    app: FastAPI, seed: int = 11, sizes: dict[str, int] | None = None, list_sample: bool = True
) -> Province:
    """Responses at C11, C12, C21 (every gender × age band present per department D1, D2).

    With ``list_sample``, C21's responses get base weights 1/π with π varying by response,
    as a list sample drawn with unequal probabilities would.
    """
    rng = random.Random(seed)
    province = await make_province(app, volumes=VOLUMES)
    for unit, n in (sizes or SIZES).items():
        for _ in range(n):
            await add_response(app, province, unit, person(rng, unit))
    if list_sample:
        db: Database = app.state.db
        async with db.write_sessions.begin() as session:
            c21 = province.units["C21"].id
            ids = (await session.scalars(select(Response.id).where(Response.unit_id == c21))).all()
            probabilities = {rid: [0.5, rng.uniform(0.02, 0.08)] for rid in ids}
            await set_base_weights(session, CLI, province.round, probabilities)
    return province
