"""Weighted indices on a hand-computed example with unequal volumes and N/A answers, read
from the satisfaction report the API serves."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from app.statistics.inference import combinations
from app.statistics.ranks import competition_ranks
from tests.factories import Province, add_response, bearer, make_key, make_province, ratings


async def seed_example(app: FastAPI) -> Province:
    """C11 (N=1000): 4 responses; C12 (N=500): 2; C21 (N=300): 3.

    ACC1 answers:  C11: 5, 4, 2, na   C12: 1, 5   C21: 3, 3, 4
    Other criteria are 5 everywhere except PRO1 = 1 at C21.
    """
    province = await make_province(app)
    for unit, acc1 in [
        ("C11", [5, 4, 2, "na"]),
        ("C12", [1, 5]),
        ("C21", [3, 3, 4]),
    ]:
        for value in acc1:
            extra: dict[str, int | str] = {"ACC1": value}
            if unit == "C21":
                extra["PRO1"] = 1
            await add_response(app, province, unit, ratings(extra))
    return province


async def report(app: FastAPI, client: httpx.AsyncClient, unit: str) -> dict[str, Any]:
    if "authorization" not in client.headers:
        client.headers.update(bearer(await make_key(app, "P")))
    response = await client.get("/api/v1/rounds/R2026/satisfaction", params={"unit": unit})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def criterion(body: dict[str, Any], code: str) -> dict[str, Any]:
    return next(c for e in body["elements"] for c in e["criteria"] if c["code"] == code)


async def test_parent_index_is_volume_weighted_mean_of_children(
    app: FastAPI, client: httpx.AsyncClient
):
    await seed_example(app)

    # Weights w = N_h / n_h: C11 1000/4 = 250, C12 500/2 = 250, C21 300/3 = 100.
    c11 = criterion(await report(app, client, "C11"), "ACC1")
    assert c11["respondents"] == 3  # the N/A answer leaves the denominator
    assert c11["weighted_respondents"] == pytest.approx(750.0, rel=1e-12)
    assert c11["index"] == pytest.approx(500 / 750 * 100, rel=1e-12)

    # ACC1 per counter: p = 2/3, 1/2, 1/3; W_h = weight of answering responses
    # = 750, 500, 300. Province: (750·2/3 + 500·1/2 + 300·1/3) / (750 + 500 + 300).
    expected_p = (750 * 2 / 3 + 500 * 1 / 2 + 300 * 1 / 3) / 1550 * 100
    province = await report(app, client, "P")
    acc1 = criterion(province, "ACC1")
    assert acc1["index"] == pytest.approx(expected_p, rel=1e-12)
    assert acc1["respondents"] == 8
    assert acc1["weighted_respondents"] == pytest.approx(1550.0, rel=1e-12)

    # D1 = C11 + C12 only, as a report of its own and as the province's child.
    d1_expected = (750 * 2 / 3 + 500 * 1 / 2) / 1250 * 100
    d1 = await report(app, client, "D1")
    assert criterion(d1, "ACC1")["index"] == pytest.approx(d1_expected, rel=1e-12)
    assert d1["respondents"] == 6
    assert d1["weighted_respondents"] == pytest.approx(1500.0, rel=1e-12)
    child = next(c for c in province["children"] if c["code"] == "D1")
    assert (child["respondents"], child["index"]) == (6, pytest.approx(d1["index"], rel=1e-12))

    # PRO1: 100% at C11, C12; 0% at C21 → (1000 + 500) / 1800.
    pro1 = criterion(province, "PRO1")
    assert pro1["index"] == pytest.approx(1500 / 1800 * 100, rel=1e-12)

    # Element = mean of its criteria; overall = mean of all 16 criteria.
    access, procedure = province["elements"][0], province["elements"][1]
    assert [c["code"] for c in access["criteria"]] == ["ACC1", "ACC2", "ACC3"]
    assert access["index"] == pytest.approx((expected_p + 100 + 100) / 3, rel=1e-12)
    assert procedure["index"] == pytest.approx((1500 / 1800 * 100 + 300) / 4, rel=1e-12)
    assert province["index"] == pytest.approx(
        (expected_p + 1500 / 1800 * 100 + 14 * 100) / 16, rel=1e-12
    )
    assert province["respondents"] == 9
    assert province["weighted_respondents"] == pytest.approx(1800.0, rel=1e-12)


async def test_unknown_volume_gives_weight_one(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app, volumes={"C11": None, "C12": 500, "C21": None})
    await add_response(app, province, "C11", ratings({"ACC1": 5}))
    await add_response(app, province, "C11", ratings({"ACC1": 1}))
    await add_response(app, province, "C12", ratings({"ACC1": 1}))
    assert (await report(app, client, "C11"))["weighted_respondents"] == pytest.approx(2.0)
    assert (await report(app, client, "C12"))["weighted_respondents"] == pytest.approx(500.0)
    acc1 = criterion(await report(app, client, "P"), "ACC1")
    assert acc1["index"] == pytest.approx(1 / 502 * 100, rel=1e-12)


async def test_weights_follow_new_responses_and_volume_changes(
    app: FastAPI, client: httpx.AsyncClient
):
    from app.audit.service import CLI
    from app.rounds.service import set_volume

    province = await make_province(app)
    await add_response(app, province, "C11", ratings({}))
    assert (await report(app, client, "C11"))["weighted_respondents"] == pytest.approx(1000.0)
    await add_response(app, province, "C11", ratings({"ACC1": 1}))
    async with app.state.db.write_sessions.begin() as session:
        await set_volume(session, CLI, province.round, province.units["C11"], 3000)
    c11 = await report(app, client, "C11")
    assert (c11["respondents"], c11["weighted_respondents"]) == (2, pytest.approx(3000.0))
    # Against C12's 500 (no responses there) and C21's 300: C11 now weighs 3000 of the province.
    await add_response(app, province, "C21", ratings({"ACC1": 5}))
    acc1 = criterion(await report(app, client, "P"), "ACC1")
    assert acc1["index"] == pytest.approx((1500 + 300) / 3300 * 100, rel=1e-12)


async def test_all_na_criterion_has_no_index(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    await add_response(app, province, "C11", ratings({"FBK1": "na"}))
    body = await report(app, client, "P")
    fbk1 = criterion(body, "FBK1")
    assert fbk1["index"] is None and fbk1["respondents"] == 0
    assert body["elements"][4]["index"] == pytest.approx(100.0)  # mean of answered criteria
    assert body["index"] == pytest.approx(100.0)


def test_competition_ranks_share_ties():
    assert competition_ranks([80.0, 90.0, 80.0, None, 70.0]) == [2, 1, 2, None, 4]
    assert competition_ranks([50.0, 50.0 + 1e-13]) == [1, 1]
    assert competition_ranks([]) == []


async def test_overall_follows_the_declared_rule(app: FastAPI):
    """The overall index's coefficients over the criterion indices, per aggregation rule; an
    element without data is left out and the weights of the others renormalised."""
    from app.forms.schema import Aggregation

    base = app.state.catalogue.get("one-stop-counter").instrument
    codes = [q.element for q in base.criteria]
    elements = [e.code for e in base.elements]
    assert elements == ["access", "procedure", "official", "result", "feedback"]
    element_index = {"access": 80.0, "procedure": 90.0, "result": 100.0, "feedback": 50.0}
    available = np.array([code != "official" for code in codes])
    indices = np.array([element_index.get(code or "", 0.0) for code in codes])

    def overall(instrument: Any) -> float:
        return float(combinations(instrument, available)[-1] @ indices)

    weights = {"access": 1.0, "procedure": 2.0, "official": 5.0, "result": 1.0, "feedback": 4.0}
    weighted = base.model_copy(
        update={"aggregation": Aggregation(overall="weighted_elements", weights=weights)}
    )
    assert overall(weighted) == pytest.approx((80 + 2 * 90 + 100 + 4 * 50) / 8, rel=1e-15)
    means = base.model_copy(update={"aggregation": Aggregation(overall="mean_of_elements")})
    assert overall(means) == pytest.approx((80 + 90 + 100 + 50) / 4, rel=1e-15)
    criteria = base.model_copy(update={"aggregation": Aggregation(overall="mean_of_criteria")})
    present = [element_index[c or ""] for c in codes if c != "official"]
    assert overall(criteria) == pytest.approx(sum(present) / len(present), rel=1e-15)
    points = base.model_copy(update={"aggregation": Aggregation(overall="points_with_classes")})
    with pytest.raises(ValueError, match="points_with_classes"):
        combinations(points, available)
