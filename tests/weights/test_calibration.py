"""The numeric core on small examples computed by hand or in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.weights.base import inclusion_probability
from app.weights.calibration import Bounds, Categories, margin, misfit, poststratify, rake
from app.weights.errors import (
    EmptyCell,
    InconsistentMargins,
    InfeasibleBounds,
    MissingTotal,
    NotConverged,
    WeightingError,
)
from app.weights.pipeline import adjust
from app.weights.schemas import WeightingInputs
from app.weights.summary import describe, weight_stats


def margin_of(variable: str, values: list[str], totals: dict[str, float]):
    return margin(Categories.of(variable, values), totals)


def test_poststratify_by_hand():
    base = np.array([1.0, 1.0, 2.0, 2.0, 3.0])
    cells = margin_of("cell", ["a", "a", "b", "b", "b"], {"a": 10.0, "b": 14.0})
    # a: 10 / 2 = 5 each; b: 14 / 7 = 2 times 2, 2, 3.
    assert poststratify(base, cells).tolist() == [5.0, 5.0, 4.0, 4.0, 6.0]


def test_raking_a_two_by_two_table_matches_the_closed_form():
    """Raking keeps the sample's odds ratio: T11·T22 / (T12·T21) = n11·n22 / (n12·n21)."""
    counts = {("r1", "c1"): 5, ("r1", "c2"): 3, ("r2", "c1"): 2, ("r2", "c2"): 6}
    rows = [r for (r, _), n in counts.items() for _ in range(n)]
    cols = [c for (_, c), n in counts.items() for _ in range(n)]
    r1, r2, c1, c2 = 40.0, 60.0, 45.0, 55.0
    margins = [
        margin_of("row", rows, {"r1": r1, "r2": r2}),
        margin_of("col", cols, {"c1": c1, "c2": c2}),
    ]
    raked = rake(np.ones(len(rows)), margins, tolerance=1e-13)

    # T11 = x: x(60 - 45 + x) = odds · (40 - x)(45 - x), a quadratic in x with one root
    # that leaves every cell positive.
    odds = 5 * 6 / (3 * 2)
    a, b, c = 1 - odds, (r2 - c1) + odds * (r1 + c1), -odds * r1 * c1
    roots = [(-b + s * math.sqrt(b * b - 4 * a * c)) / (2 * a) for s in (1, -1)]
    (x,) = [t for t in roots if max(0, c1 - r2) < t < min(r1, c1)]
    cell = np.array([r == "r1" and k == "c1" for r, k in zip(rows, cols, strict=True)])
    assert raked.weights[cell].sum() == pytest.approx(x, rel=1e-12)
    assert misfit(raked.weights, margins) <= 1e-13


def test_inconsistent_margins_are_refused():
    values = ["a", "b", "a", "b"]
    margins = [margin_of("g", values, {"a": 5, "b": 5}), margin_of("h", values, {"a": 5, "b": 6})]
    with pytest.raises(InconsistentMargins) as caught:
        rake(np.ones(4), margins)
    assert caught.value.status_code == 422
    assert "g 10, h 11" in caught.value.detail
    assert "10.00% apart" in caught.value.detail and "rescale the margins" in caught.value.detail


def test_a_category_with_population_but_no_respondents_is_an_empty_cell():
    with pytest.raises(EmptyCell, match="over_60"):
        margin_of("age", ["18_24", "25_34"], {"18_24": 5, "25_34": 5, "over_60": 3})
    # A category nobody is in and nobody lives in is harmless.
    margin_of("age", ["18_24"], {"18_24": 5, "over_60": 0})


def test_respondents_without_a_total_are_refused():
    with pytest.raises(MissingTotal, match=r"\(no answer\) \(2 responses\)"):
        margin_of("gender", ["male", "", ""], {"male": 5, "female": 0})


def test_a_total_of_zero_with_respondents_says_so():
    """Not "without a population total": the total is there, and it is 0."""
    with pytest.raises(MissingTotal) as caught:
        margin_of("gender", ["male", "female"], {"male": 5, "female": 0})
    detail = caught.value.detail
    assert detail.startswith("gender: categories with a population total of 0 or less have ")
    assert "female (1 response)" in detail and "without a population total" not in detail


def test_raking_that_cannot_converge_says_so():
    # Only the diagonal is observed: r1 is always c1, so 30 = w(r1) = w(c1) = 40 never holds.
    rows, cols = ["r1", "r2"], ["c1", "c2"]
    margins = [
        margin_of("row", rows, {"r1": 30, "r2": 70}),
        margin_of("col", cols, {"c1": 40, "c2": 60}),
    ]
    with pytest.raises(NotConverged, match="50 iterations"):
        rake(np.ones(2), margins, max_iterations=50)
    # Without a cap, it stops once the gap stops shrinking.
    with pytest.raises(NotConverged, match="101 iterations"):
        rake(np.ones(2), margins, max_iterations=100_000)


def example(n: int = 400, seed: int = 3):
    rng = np.random.default_rng(seed)
    units = rng.choice(["u1", "u2", "u3", "u4"], n, p=[0.4, 0.3, 0.2, 0.1])
    gender = np.where(rng.random(n) < np.where(units == "u1", 0.7, 0.4), "f", "m")
    age = rng.choice(["y", "m", "o"], n, p=[0.2, 0.5, 0.3])
    base = np.where(units == "u4", 9.0, 2.0) * rng.uniform(1, 1.5, n)
    total = 1500.0
    margins = [
        margin_of(
            "unit",
            list(units),
            {"u1": 0.3 * total, "u2": 0.3 * total, "u3": 0.2 * total, "u4": 0.2 * total},
        ),
        margin_of("gender", list(gender), {"f": 0.5 * total, "m": 0.5 * total}),
        margin_of("age", list(age), {"y": 0.3 * total, "m": 0.4 * total, "o": 0.3 * total}),
    ]
    return base, margins


def test_loose_bounds_change_nothing_and_tight_ones_bind_while_margins_hold():
    base, margins = example()
    free = rake(base, margins)
    g = free.weights / base
    loose = rake(
        base,
        margins,
        bounds=Bounds(np.full(base.size, g.min() / 2), np.full(base.size, g.max() * 2)),
    )
    np.testing.assert_allclose(loose.weights, free.weights, rtol=1e-9)

    low, high = g.min() * 1.1, g.max() * 0.9  # both bind
    tight = rake(base, margins, bounds=Bounds(np.full(base.size, low), np.full(base.size, high)))
    ratio = tight.weights / base
    assert misfit(tight.weights, margins) <= 1e-10
    assert ratio.min() == pytest.approx(low, rel=1e-12) and ratio.max() == pytest.approx(
        high, rel=1e-12
    )
    # Inside the bounds the weights keep raking's form g = exp(Σ λ): responses with the same
    # categories and unclipped ratios share one g.
    inside = (ratio > low * (1 + 1e-9)) & (ratio < high * (1 - 1e-9))
    keys = [tuple(m.codes[i] for m in margins) for i in range(base.size)]
    shared: dict[tuple[int, ...], float] = {}
    for i in np.flatnonzero(inside):
        assert ratio[i] == pytest.approx(shared.setdefault(keys[i], ratio[i]), rel=1e-9)


def test_bounds_that_no_weights_can_meet_are_refused():
    base, margins = example()
    with pytest.raises(InfeasibleBounds, match="widen the bounds"):
        rake(base, margins, bounds=Bounds(np.full(base.size, 0.9), np.full(base.size, 1.1)))
    # Each margin alone can be met, but not all of them together.
    g = rake(base, margins).weights / base
    tight = Bounds(np.full(base.size, g.min() * 1.2), np.full(base.size, g.max() * 0.8))
    with pytest.raises(NotConverged, match="bounds may be too tight"):
        rake(base, margins, bounds=tight)


def test_summary_statistics():
    stats = weight_stats(np.array([1.0, 2.0, 3.0, 4.0]))
    # Kish: deff = n Σw² / (Σw)² = 4 · 30 / 100; effective n = 100 / 30.
    assert stats["deff"] == pytest.approx(1.2) and stats["effective_n"] == pytest.approx(100 / 30)
    assert (stats["min"], stats["max"], stats["mean"], stats["sum"]) == (1.0, 4.0, 2.5, 10.0)
    described = describe(
        np.array([1.0, 2.0, 3.0, 4.0]), Categories.of("unit", ["b", "a", "b", "a"])
    )
    assert described["strata"]["a"]["sum"] == 6.0 and described["strata"]["b"][
        "deff"
    ] == pytest.approx(2 * 10 / 16)


def test_list_sample_base_weight_is_one_over_the_product_of_stage_probabilities():
    assert inclusion_probability([0.5, 0.1]) == pytest.approx(0.05)
    assert inclusion_probability(0.25) == 0.25
    for bad in ([0.5, 0.0], [1.2], [], [float("nan")]):
        with pytest.raises(WeightingError):
            inclusion_probability(bad)


def test_nonresponse_adjustment_within_strata():
    base = np.array([2.0, 2.0, 2.0, 5.0, 5.0])
    values = {"unit": ["a", "a", "a", "b", "b"]}
    counts = WeightingInputs.model_validate(
        {
            "method": "nonresponse",
            "nonresponse": {
                "eligible": [{"stratum": "a", "count": 4}, {"stratum": "b", "weight": 25.0}]
            },
        }
    )
    # a: 4 eligible of 3 respondents, equal base weights: factor 4/3. b: 25 / 10.
    assert adjust(base, values, counts).weights.tolist() == pytest.approx([8 / 3] * 3 + [12.5] * 2)

    fewer = counts.model_copy(deep=True)
    assert fewer.nonresponse is not None
    fewer.nonresponse.eligible[0].count = 2
    with pytest.raises(WeightingError, match="fewer eligible than respondents in a"):
        adjust(base, values, fewer)


def test_factor_bounds_must_contain_the_population_over_the_starting_weights():
    base = np.full(4, 2.5)  # adds up to 10, the margins to 1000: g averages 100
    values = {"gender": ["f", "m", "f", "m"]}
    inputs = WeightingInputs.model_validate(
        {
            "method": "rake",
            "margins": [
                {"variable": "gender", "category": "f", "total": 500},
                {"variable": "gender", "category": "m", "total": 500},
            ],
            "trim": {"lower": 0.5, "upper": 2},
        }
    )
    with pytest.raises(InfeasibleBounds, match="is 100 times the weights"):
        adjust(base, values, inputs)
    assert inputs.trim is not None
    inputs.trim.scale = "weight"
    inputs.trim.lower, inputs.trim.upper = 100, 300
    assert adjust(base, values, inputs).weights.tolist() == pytest.approx([250.0] * 4)
