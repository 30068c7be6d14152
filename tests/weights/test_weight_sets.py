"""Weight sets in the database: versions, idempotence, activation, what tallies then use."""

from __future__ import annotations

import random

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.audit.service import CLI
from app.collection.answers import ParsedAnswer
from app.models import Response, Round, WeightValue
from app.statistics.weighted import weighted_responses
from app.weights.base import set_base_weights
from app.weights.errors import MissingTotal, WeightingError
from app.weights.service import (
    activate_weight_set,
    active_weight_set,
    coverage,
)
from tests.factories import Province, add_response, bearer, make_key, ratings
from tests.weights.people import GENDER, RAKE, compute, person, seed_people


async def weights_of(app: FastAPI, weight_set_id: int) -> dict[int, float]:
    async with app.state.db.sessions() as session:
        rows = await session.execute(
            select(WeightValue.response_id, WeightValue.weight).where(
                WeightValue.weight_set_id == weight_set_id
            )
        )
        return {rid: w for rid, w in rows}


async def used_weights(app: FastAPI, province: Province) -> dict[int, float]:
    async with app.state.db.sessions() as session:
        rows = await session.execute(weighted_responses(province.round.id))
        return {rid: w for rid, _, w in rows}


async def test_same_inputs_and_data_give_the_same_version_otherwise_a_new_one(app: FastAPI):
    province = await seed_people(app, sizes={"C11": 8, "C12": 5, "C21": 6})
    first, created = await compute(app, province, RAKE)
    assert created and (first.name, first.version, first.method) == ("rake", 1, "rake")
    assert first.responses == 19 and not first.active

    again, created = await compute(app, province, RAKE)
    assert (again.id, created) == (first.id, False)

    trimmed, created = await compute(app, province, {**RAKE, "trim": {"lower": 0.2, "upper": 5}})
    assert created and trimmed.version == 2

    await add_response(app, province, "C12", person(random.Random(1), "C12"))
    grown, created = await compute(app, province, RAKE)
    assert created and grown.version == 3 and grown.responses == 20
    assert grown.data_hash != first.data_hash and grown.inputs_hash == first.inputs_hash

    named, created = await compute(app, province, {**RAKE, "name": "gender-unit"})
    assert created and (named.name, named.version) == ("gender-unit", 1)

    summary = first.summary
    weights = list((await weights_of(app, first.id)).values())
    assert summary["overall"]["sum"] == pytest.approx(2500.0)
    assert summary["overall"]["min"] == min(weights) and summary["overall"]["max"] == max(weights)
    n, total, squares = len(weights), sum(weights), sum(w * w for w in weights)
    assert summary["overall"]["deff"] == pytest.approx(n * squares / total**2)
    assert summary["overall"]["effective_n"] == pytest.approx(total**2 / squares)
    assert set(summary["strata"]) == {"C11", "C12", "C21"} and summary["strata_by"] == "unit"
    assert summary["strata"]["C12"]["sum"] == pytest.approx(400.0)


async def test_active_raked_set_drives_the_tallies_and_later_responses_are_left_out(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await seed_people(app, sizes={"C11": 8, "C12": 5, "C21": 6})
    base = await used_weights(app, province)
    found, _ = await compute(app, province, RAKE)
    async with app.state.db.sessions() as session:
        round_ = await session.get(Round, province.round.id)
        assert round_ is not None and await active_weight_set(session, round_) is None
    assert await used_weights(app, province) == base  # computed, not yet active

    async with app.state.db.write_sessions.begin() as session:
        round_ = await session.get(Round, province.round.id)
        assert round_ is not None
        await activate_weight_set(session, CLI, round_, found.id)
        assert round_.weighting == "raked"
        assert (await active_weight_set(session, round_)).id == found.id  # type: ignore[union-attr]
    raked = await weights_of(app, found.id)
    assert await used_weights(app, province) == pytest.approx(raked)

    # A response after the computation: left out of weighted estimates, and the set is stale.
    await add_response(app, province, "C11", person(random.Random(2), "C11"))
    assert await used_weights(app, province) == pytest.approx(raked)
    async with app.state.db.sessions() as session:
        state = await coverage(session, found)
    client.headers.update(bearer(await make_key(app, "P")))
    report = await client.get("/api/v1/rounds/R2026/satisfaction", params={"unit": "P"})
    assert report.json()["respondents"] == 19  # the one the set does not cover is left out
    assert report.json()["weighted_respondents"] == pytest.approx(2500.0)
    assert report.json()["weight_set"]["version"] == found.version
    assert (state.valid_responses, state.missing, state.dropped, state.stale) == (20, 1, 0, True)

    # Recomputed and activated: the new response is weighted; only one set is active.
    newer, created = await compute(app, province, {**RAKE, "activate": True})
    assert created and newer.active and newer.version == 2
    assert len(await used_weights(app, province)) == 20
    async with app.state.db.sessions() as session:
        old = await session.get(type(found), found.id)
        assert old is not None and not old.active

    # Back to volume weighting: the base weights again.
    async with app.state.db.write_sessions.begin() as session:
        round_ = await session.get(Round, province.round.id)
        assert round_ is not None
        round_.weighting = "volume"
    assert len(await used_weights(app, province)) == 20
    assert await used_weights(app, province) != pytest.approx(await weights_of(app, newer.id))


async def test_list_sample_base_weights_are_one_over_pi(app: FastAPI):
    province = await seed_people(app, sizes={"C11": 3, "C21": 4}, list_sample=False)
    async with app.state.db.write_sessions.begin() as session:
        ids = (await session.scalars(select(Response.id).order_by(Response.id))).all()
        count = await set_base_weights(
            session, CLI, province.round, {ids[0]: 0.25, ids[1]: [0.5, 0.1]}
        )
        assert count == 2
        with pytest.raises(WeightingError, match="not responses of round"):
            await set_base_weights(session, CLI, province.round, {10**9: 0.5})
        with pytest.raises(WeightingError, match=r"\(0, 1\]"):
            await set_base_weights(session, CLI, province.round, {ids[2]: 1.5})
    used = await used_weights(app, province)
    assert used[ids[0]] == pytest.approx(4.0) and used[ids[1]] == pytest.approx(20.0)
    assert used[ids[2]] == pytest.approx(1234 / 3)  # still N_h / n_h


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        ("ACC1", "a rating question"),
        ("nope", "not a question"),
        ("unit@region", "no ancestor at level region"),
    ],
)
async def test_unusable_variables_are_refused(app: FastAPI, variable: str, message: str):
    province = await seed_people(app, sizes={"C11": 2}, list_sample=False)
    margins = [{"variable": variable, "category": "x", "total": 1.0}]
    with pytest.raises(WeightingError, match=message):
        await compute(app, province, {"method": "rake", "margins": margins})


async def test_department_margins_and_unanswered_questions(app: FastAPI):
    province = await seed_people(app, sizes={"C11": 3, "C12": 2, "C21": 3}, list_sample=False)
    departments = [
        {"variable": "unit@department", "category": "D1", "total": 700.0},
        {"variable": "unit@department", "category": "D2", "total": 300.0},
    ]
    found, _ = await compute(app, province, {"method": "rake", "margins": departments})
    weights = await weights_of(app, found.id)
    async with app.state.db.sessions() as session:
        rows = await session.execute(select(Response.id, Response.unit_id))
        units = {rid: unit_id for rid, unit_id in rows}
    d2 = province.units["C21"].id
    assert sum(w for r, w in weights.items() if units[r] == d2) == pytest.approx(300.0)

    # Someone who skipped the gender question: a category of its own, here without a total.
    answers = [*ratings({}), ParsedAnswer("age_band", 0, None, "18_24")]
    await add_response(app, province, "C11", answers)
    with pytest.raises(MissingTotal, match=r"gender: .*\(no answer\) \(1 response\)"):
        await compute(app, province, {"method": "rake", "margins": GENDER})
