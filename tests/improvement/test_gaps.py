"""Gaps of a unit: the points to gain equal a hand computation from the aggregation rule
(one-stop-counter: overall = mean of the criteria with answers), and the significance of a
change agrees with the satisfaction report's ``previous.significant``."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from app.forms.registry import Catalogue
from app.improvement.gain import element_coefficients, overall_coefficients
from tests.improvement.helpers import computed, two_rounds
from tests.reporting.helpers import api_client

K = 15  # FBK3 was answered N/A by everyone at C11: 15 criteria have answers


async def test_points_to_gain_match_a_hand_computation(app: FastAPI):
    await two_rounds(app)
    await computed(app)  # the worker's figures (a request computes none)
    async with api_client(app) as client:
        answer = await client.get("/api/v1/rounds/R2026/gaps", params={"unit": "C11"})
        assert answer.status_code == 200, answer.text
        report = answer.json()
    criteria = {g["code"]: g for g in report["criteria"]}
    acc1, pro1 = criteria["ACC1"], criteria["PRO1"]
    assert acc1["unit"]["index"] == pytest.approx(40.0)
    assert pro1["unit"]["index"] == pytest.approx(20.0)
    assert acc1["coefficient"] == pytest.approx(1 / K)
    assert criteria["FBK3"]["coefficient"] == 0
    # Province: counters weighted by volume / responses (1000, 500, 300 over 30 each).
    province_acc1 = (1000 * 0.4 + 500 * 1.0 + 300 * 0.8) / 1800 * 100
    assert acc1["province"]["index"] == pytest.approx(province_acc1)
    assert acc1["gains"]["province"] == pytest.approx((province_acc1 - 40) / K)
    assert acc1["best"]["unit"] == "C12"
    assert acc1["gains"]["best"] == pytest.approx((100 - 40) / K)
    assert acc1["gains"]["target"] == pytest.approx((90 - 40) / K)
    assert pro1["gains"]["target"] == pytest.approx((90 - 20) / K)
    assert criteria["ACC2"]["gains"]["target"] == 0  # at 100: nothing to gain
    # Ranked by the gain to the target: PRO1, then ACC1, then the criteria at 100.
    assert report["ranked_by"] == "target"
    assert [g["code"] for g in report["criteria"][:2]] == ["PRO1", "ACC1"]
    # Elements: access = mean(40, 100, 100) = 80; raising it by 10 adds 10 · 3/15.
    access = next(g for g in report["elements"] if g["code"] == "access")
    assert access["unit"]["index"] == pytest.approx(80.0)
    assert access["gains"]["target"] == pytest.approx(10 * 3 / K)
    # Closing every criterion's gap to 90 adds up to the overall's gap (linear rule).
    overall = (40 + 20 + 13 * 100) / K
    assert report["index"] == pytest.approx(overall)
    # Dissatisfied answers (1–2) and the masked comments that explain them.
    assert acc1["dissatisfied"] == pytest.approx(60.0)
    assert acc1["comments"] and all("0912345678" not in c["text"] for c in acc1["comments"])
    assert all("Chờ lâu quá" in c["text"] for c in acc1["comments"])
    assert criteria["ACC2"]["comments"] == []


async def test_worse_criteria_agree_with_the_satisfaction_report(app: FastAPI):
    await two_rounds(app)
    await computed(app)  # the worker's figures (a request computes none)
    async with api_client(app) as client:
        report = (await client.get("/api/v1/rounds/R2026/gaps", params={"unit": "C11"})).json()
        satisfaction = (
            await client.get("/api/v1/rounds/R2026/satisfaction", params={"unit": "C11"})
        ).json()
    assert report["previous_round"] == "R2025"
    theirs = {c["code"]: c["previous"] for e in satisfaction["elements"] for c in e["criteria"]}
    for gap in report["criteria"]:
        assert gap["previous"]["significant"] == theirs[gap["code"]]["significant"], gap["code"]
        assert gap["previous"]["delta"] == pytest.approx(theirs[gap["code"]]["delta"])
    assert set(report["worse"]) == {"ACC1", "PRO1"}


async def test_gaps_are_scoped(app: FastAPI):
    await two_rounds(app)
    await computed(app)  # the worker's figures (a request computes none)
    async with api_client(app, "D2") as client:
        refused = await client.get("/api/v1/rounds/R2026/gaps", params={"unit": "C11"})
        assert refused.status_code == 403
        allowed = await client.get("/api/v1/rounds/R2026/gaps", params={"unit": "C21"})
        assert allowed.status_code == 200


def test_coefficients_of_a_mean_of_elements(forms_dir):
    """one-stop-kiosk: overall = mean of elements; a criterion weighs 1/(m · k_e)."""
    instrument = dict(Catalogue.from_directory(forms_dir).loaded())["one-stop-kiosk"].instrument
    codes = [q.code for q in instrument.criteria]
    coef = overall_coefficients(instrument, dict.fromkeys(codes, 1.0))
    m = len(instrument.elements)
    for q in instrument.criteria:
        k_e = len(instrument.criteria_of(str(q.element)))
        assert coef[q.code] == pytest.approx(1 / (m * k_e))
    assert sum(coef.values()) == pytest.approx(1.0)
    assert all(v == pytest.approx(1 / m) for v in element_coefficients(instrument, coef).values())
