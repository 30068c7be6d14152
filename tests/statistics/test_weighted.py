"""Weighted indices on a hand-computed example with unequal volumes and N/A answers."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from app.statistics.estimates import competition_ranks, estimate
from app.statistics.tally import tally_round
from tests.factories import CRITERIA, Province, add_response, make_province, ratings


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


async def tally_of(app: FastAPI, province: Province):
    async with app.state.db.sessions() as session:
        return await tally_round(session, province.round.id, CRITERIA, [4, 5])


def ids(province: Province, *codes: str) -> set[int]:
    return {province.units[c].id for c in codes}


async def test_parent_index_is_volume_weighted_mean_of_children(app: FastAPI):
    province = await seed_example(app)
    tally = await tally_of(app, province)
    instrument = app.state.catalogue.get("one-stop-counter").instrument

    # Weights w = N_h / n_h: C11 1000/4 = 250, C12 500/2 = 250, C21 300/3 = 100.
    c11 = tally.criteria["ACC1"][province.units["C11"].id]
    assert (c11.n, c11.satisfied) == (3, 2)  # the N/A answer leaves the denominator
    assert c11.weight_sum == pytest.approx(750.0)
    assert c11.satisfied_weight == pytest.approx(500.0)

    # ACC1 per counter: p = 2/3, 1/2, 1/3; W_h = weight of answering responses
    # = 750, 500, 300. Province: (750·2/3 + 500·1/2 + 300·1/3) / (750 + 500 + 300).
    expected_p = (750 * 2 / 3 + 500 * 1 / 2 + 300 * 1 / 3) / 1550 * 100
    province_est = estimate(instrument, tally, ids(province, *province.units))
    acc1 = province_est.elements[0].criteria[0]
    assert acc1.code == "ACC1"
    assert acc1.index == pytest.approx(expected_p, rel=1e-12)
    assert acc1.respondents == 8
    assert acc1.weighted_respondents == pytest.approx(1550.0)

    # D1 = C11 + C12 only.
    d1 = estimate(instrument, tally, ids(province, "D1", "C11", "C12"))
    assert d1.elements[0].criteria[0].index == pytest.approx(
        (750 * 2 / 3 + 500 * 1 / 2) / 1250 * 100, rel=1e-12
    )
    assert d1.respondents == 6
    assert d1.weighted_respondents == pytest.approx(1500.0)

    # PRO1: 100% at C11, C12; 0% at C21 → (1000 + 500) / 1800.
    pro1 = province_est.elements[1].criteria[0]
    assert pro1.code == "PRO1"
    assert pro1.index == pytest.approx(1500 / 1800 * 100, rel=1e-12)

    # Element = mean of its criteria; overall = mean of all 16 criteria.
    access = province_est.elements[0]
    assert access.index == pytest.approx((expected_p + 100 + 100) / 3, rel=1e-12)
    procedure = province_est.elements[1]
    assert procedure.index == pytest.approx((1500 / 1800 * 100 + 300) / 4, rel=1e-12)
    assert province_est.index == pytest.approx(
        (expected_p + 1500 / 1800 * 100 + 14 * 100) / 16, rel=1e-12
    )
    assert province_est.respondents == 9
    assert province_est.weighted_respondents == pytest.approx(1800.0)


async def test_unknown_volume_gives_weight_one(app: FastAPI):
    province = await make_province(app, volumes={"C11": None, "C12": 500, "C21": None})
    await add_response(app, province, "C11", ratings({"ACC1": 5}))
    await add_response(app, province, "C11", ratings({"ACC1": 1}))
    await add_response(app, province, "C12", ratings({"ACC1": 1}))
    tally = await tally_of(app, province)
    assert tally.units[province.units["C11"].id].weight_sum == pytest.approx(2.0)
    assert tally.units[province.units["C12"].id].weight_sum == pytest.approx(500.0)
    instrument = app.state.catalogue.get("one-stop-counter").instrument
    acc1 = estimate(instrument, tally, ids(province, *province.units)).elements[0].criteria[0]
    assert acc1.index == pytest.approx(1 / 502 * 100, rel=1e-12)


async def test_weights_follow_new_responses_and_volume_changes(app: FastAPI):
    from app.audit.service import CLI
    from app.rounds.service import set_volume

    province = await make_province(app)
    await add_response(app, province, "C11", ratings({}))
    tally = await tally_of(app, province)
    assert tally.units[province.units["C11"].id].weight_sum == pytest.approx(1000.0)
    await add_response(app, province, "C11", ratings({}))
    async with app.state.db.write_sessions.begin() as session:
        await set_volume(session, CLI, province.round, province.units["C11"], 3000)
    tally = await tally_of(app, province)
    c11 = tally.units[province.units["C11"].id]
    assert (c11.respondents, c11.weight_sum) == (2, pytest.approx(3000.0))


async def test_all_na_criterion_has_no_index(app: FastAPI):
    province = await make_province(app)
    await add_response(app, province, "C11", ratings({"FBK1": "na"}))
    tally = await tally_of(app, province)
    instrument = app.state.catalogue.get("one-stop-counter").instrument
    est = estimate(instrument, tally, ids(province, *province.units))
    fbk1 = est.elements[4].criteria[0]
    assert fbk1.code == "FBK1" and fbk1.index is None and fbk1.respondents == 0
    assert est.elements[4].index == pytest.approx(100.0)  # mean of the answered criteria
    assert est.index == pytest.approx(100.0)


def test_competition_ranks_share_ties():
    assert competition_ranks([80.0, 90.0, 80.0, None, 70.0]) == [2, 1, 2, None, 4]
    assert competition_ranks([50.0, 50.0 + 1e-13]) == [1, 1]
    assert competition_ranks([]) == []


async def test_overall_follows_the_declared_rule(app: FastAPI):
    from app.forms.schema import Aggregation
    from app.statistics.estimates import ElementEstimate, overall_index

    base = app.state.catalogue.get("one-stop-counter").instrument
    elements = [
        ElementEstimate("access", 80.0, []),
        ElementEstimate("procedure", 90.0, []),
        ElementEstimate("official", None, []),  # no data: left out, weights renormalised
        ElementEstimate("result", 100.0, []),
        ElementEstimate("feedback", 50.0, []),
    ]
    weights = {"access": 1.0, "procedure": 2.0, "official": 5.0, "result": 1.0, "feedback": 4.0}
    weighted = base.model_copy(
        update={"aggregation": Aggregation(overall="weighted_elements", weights=weights)}
    )
    assert overall_index(weighted, elements) == pytest.approx(
        (80 + 2 * 90 + 100 + 4 * 50) / 8, rel=1e-15
    )
    means = base.model_copy(update={"aggregation": Aggregation(overall="mean_of_elements")})
    assert overall_index(means, elements) == pytest.approx(80.0, rel=1e-15)
    points = base.model_copy(update={"aggregation": Aggregation(overall="points_with_classes")})
    with pytest.raises(ValueError, match="points_with_classes"):
        overall_index(points, elements)


async def test_each_criterion_counts_satisfied_at_its_own_levels(app: FastAPI):
    province = await make_province(app)
    await add_response(app, province, "C11", ratings({"ACC1": 3, "ACC2": 3}))
    async with app.state.db.sessions() as session:
        tally = await tally_round(
            session, province.round.id, ["ACC1", "ACC2"], {"ACC1": [4, 5], "ACC2": [3, 4, 5]}
        )
    unit = province.units["C11"].id
    assert tally.criteria["ACC1"][unit].satisfied == 0
    assert tally.criteria["ACC2"][unit].satisfied == 1
