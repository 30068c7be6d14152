"""Per-question statistics by instrument: frequencies, percentages, points and classes."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from app.reporting.questions import questions_report
from tests.factories import make_province
from tests.statistics.design_data import answer_form as answer


async def report(app: FastAPI, unit: str = "P"):  # type: ignore[no-untyped-def]
    async with app.state.db.sessions() as session:
        return await questions_report(session, app.state.catalogue, "R2026", unit)


async def test_weighted_frequencies_and_percent_mean(app: FastAPI):
    # Volumes C11 1000, C21 300; one response each: weights 1000 and 300.
    province = await make_province(app, form_code="health-outpatient")
    await answer(
        app,
        "health-outpatient",
        "C11",
        province,
        {"gender": ["female"], "expectation_met": ["90"], "NGA1": ["5"]},
    )
    await answer(
        app,
        "health-outpatient",
        "C21",
        province,
        {"gender": ["male"], "expectation_met": ["60"], "NGA1": ["na"]},
    )
    result = await report(app)
    by_code = {q.code: q for q in result.questions}
    gender = {f.value: f.share for f in by_code["gender"].frequencies}
    assert gender["female"] == pytest.approx(100 * 1000 / 1300)
    assert by_code["expectation_met"].mean == pytest.approx((90 * 1000 + 60 * 300) / 1300)
    nga1 = by_code["NGA1"]
    assert nga1.respondents == 2 and nga1.satisfied_share == 100.0  # N/A leaves the denominator
    assert {f.value: f.respondents for f in nga1.frequencies}["na"] == 1
    assert result.points is None


async def test_multiple_choice_shares_can_exceed_one_hundred(app: FastAPI):
    province = await make_province(app, form_code="sipas-household")
    await answer(
        app,
        "sipas-household",
        "C11",
        province,
        {"policy_interest": ["health", "land"], "used_service": ["no"]},
    )
    await answer(
        app,
        "sipas-household",
        "C12",
        province,
        {"policy_interest": ["health"], "used_service": ["no"]},
    )
    result = await report(app, "D1")
    interest = next(q for q in result.questions if q.code == "policy_interest")
    shares = {f.value: f.share for f in interest.frequencies}
    assert interest.respondents == 2
    assert shares["health"] == pytest.approx(100.0)
    assert shares["land"] == pytest.approx(100 * 1000 / 1500)
    assert next(q for q in result.questions if q.code == "DV01").respondents == 0


async def test_tt01_scores_and_class_from_stored_dossiers(app: FastAPI):
    province = await make_province(app, form_code="tt01-2018")
    for points in ("2", "2", "1"):
        await answer(app, "tt01-2018", "C11", province, {"TT1": [points], "TT9": ["na"]})
    result = await report(app)
    assert result.points is not None
    scores = {i.code: i.score for i in result.points.indicators}
    assert scores["TT1"] == 1.7 and scores["TT2"] == 2.0 and scores["TT9"] is None
    assert result.points.total == pytest.approx(15.7) and result.points.maximum == 16
    assert result.points.score_class == "Xuất sắc"
