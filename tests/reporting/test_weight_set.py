"""The weight set a report's estimates use: named on the report, the ranking, the breakdown
and in the exported method; null with base weights."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.audit.service import CLI
from app.models import Round
from app.statistics.weighted import weighted_responses
from app.weights.service import activate_weight_set
from tests.factories import bearer, make_key
from tests.weights.people import RAKE, compute, seed_people

ROUND = "/api/v1/rounds/R2026"


async def test_reports_name_the_active_weight_set(app: FastAPI, client: httpx.AsyncClient):
    province = await seed_people(app, sizes={"C11": 8, "C12": 5, "C21": 6})
    client.headers.update(bearer(await make_key(app, "P")))
    before = (await client.get(f"{ROUND}/satisfaction", params={"unit": "P"})).json()
    assert before["weight_set"] is None and before["design"]["weighting"] == "volume"

    found, created = await compute(app, province, RAKE)
    async with app.state.db.write_sessions.begin() as session:
        round_ = await session.get(Round, province.round.id)
        assert created and round_ is not None
        await activate_weight_set(session, CLI, round_, found.id)
    report = (await client.get(f"{ROUND}/satisfaction", params={"unit": "P"})).json()
    named = report["weight_set"]
    assert (named["id"], named["name"], named["version"], named["method"]) == (
        found.id,
        "rake",
        1,
        "rake",
    )
    assert named["created_at"].startswith(found.created_at.isoformat()[:19])
    assert named["active"] is True and named["responses"] == 19
    assert report["design"]["weighting"] == "raked"
    # The estimates use it: the weighted respondents add up to the raking totals.
    assert report["weighted_respondents"] == pytest.approx(2500.0)
    async with app.state.db.sessions() as session:
        rows = (await session.execute(weighted_responses(province.round.id))).all()
    assert report["weighted_respondents"] == pytest.approx(sum(w for _, _, w in rows))

    ranking = (await client.get(f"{ROUND}/ranking", params={"level": "counter"})).json()
    breakdown = (await client.get(f"{ROUND}/satisfaction/breakdown", params={"by": "field"})).json()
    assert ranking["weight_set"] == named == breakdown["weight_set"]
    assert ranking["design"] == report["design"]
    assert "calibration-aware" in report["design"]["variance_method"]
    # A breakdown by category treats the raked weights as fixed, and says so (not calibration-
    # aware); the rest of its design is the report's.
    plain = {k: v for k, v in breakdown["design"].items() if k != "variance_method"}
    assert plain == {k: v for k, v in report["design"].items() if k != "variance_method"}
    assert "calibration-aware" not in breakdown["design"]["variance_method"]
    exported = await client.get(f"{ROUND}/ranking/export", params={"level": "counter"})
    assert f"weight set rake version 1 (id {found.id}, rake, created" in exported.text

    async with app.state.db.write_sessions.begin() as session:
        await session.execute(text("UPDATE round SET weighting = 'volume'"))
    after = (await client.get(f"{ROUND}/satisfaction", params={"unit": "P"})).json()
    assert after["weight_set"] is None  # the set exists but the round no longer uses it
    exported = await client.get(f"{ROUND}/satisfaction/export", params={"unit": "P"})
    assert "N_h / n_h" in exported.text and "weight set" not in exported.text
