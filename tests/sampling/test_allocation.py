"""Allocation of a fixed total: exact sums, caps at N_h, surplus redistributed; strata."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.sampling.allocation import allocate, allocation_weights, continuous_shares
from app.sampling.planning import PlanSpec, Spread, size_strata
from app.sampling.strata import FrameUnit, form_strata


def test_proportional_uses_the_largest_remainders():
    # exact shares 55.56, 27.78, 16.67: floors 55 + 27 + 16 = 98, the two largest remainders +1
    assert allocate(100, [1000, 500, 300], [0, 0, 0], [1000, 500, 300]) == [55, 28, 17]


def test_a_capped_stratum_gives_its_surplus_to_the_others():
    # equal shares would be 500 each, but the third stratum holds only 300
    assert allocate(1500, [1, 1, 1], [0, 0, 0], [1000, 500, 300]) == [700, 500, 300]
    # proportional: C holds 3, so its share (0.2) moves to A and B in proportion
    assert allocate(100, [1000, 500, 3], [0, 0, 0], [1000, 500, 3]) == [67, 33, 0]


def test_minimums_are_met_first():
    assert allocate(100, [1000, 10, 10], [20, 10, 10], [1000, 10, 10]) == [80, 10, 10]
    assert allocate(100, [1000, 100, 100], [20, 20, 20], [1000, 100, 100]) == [60, 20, 20]


def test_neyman_weights_by_spread():
    weights = allocation_weights("neyman", [1000, 1000], [0.1, 0.3])
    assert allocate(100, weights, [0, 0], [1000, 1000]) == [25, 75]


def test_zero_weight_strata_take_what_the_others_cannot():
    assert allocate(10, [1, 0, 0], [0, 0, 0], [3, 5, 5]) == [3, 4, 3]


@pytest.mark.parametrize(
    ("total", "lower", "upper", "message"),
    [(10, [6, 6], [10, 10], "below the sum of the minimums"), (25, [0, 0], [10, 10], "above")],
)
def test_impossible_totals_are_refused(total, lower, upper, message):
    with pytest.raises(ValueError, match=message):
        allocate(total, [1, 1], lower, upper)


weights = st.one_of(st.just(0.0), st.floats(1e-3, 1e6))


@st.composite
def problems(draw):  # type: ignore[no-untyped-def]
    k = draw(st.integers(1, 12))
    upper = draw(st.lists(st.integers(0, 5000), min_size=k, max_size=k))
    w = draw(st.lists(weights, min_size=k, max_size=k))
    minimum = draw(st.integers(0, 100))
    lower = [min(minimum, u) for u in upper]
    total = draw(st.integers(sum(lower), max(sum(lower), sum(upper))))
    return total, w, lower, upper


@given(problems())
def test_allocation_sums_exactly_and_respects_bounds(problem):  # type: ignore[no-untyped-def]
    total, w, lower, upper = problem
    sizes = allocate(total, w, lower, upper)
    assert sum(sizes) == total
    assert all(lo <= n <= hi for n, lo, hi in zip(sizes, lower, upper, strict=True))


@given(problems())
# λ = 1/w at the only stratum's bound gives w·(1/w) = 0.999…: full, not short of the total
@example((1, [932608.901691304], [0], [1]))
def test_integers_are_within_one_of_shares_proportional_where_free(problem):  # type: ignore[no-untyped-def]
    total, w, lower, upper = problem
    shares = continuous_shares(total, w, lower, upper)
    assert sum(shares) == pytest.approx(total, abs=1e-6)
    sizes = allocate(total, w, lower, upper)
    assert all(abs(n - x) < 1 for n, x in zip(sizes, shares, strict=True))
    # strata strictly inside their bounds all get the same λ = share / weight
    rates = [
        x / wi
        for x, wi, lo, hi in zip(shares, w, lower, upper, strict=True)
        if lo < x < hi and wi > 0
    ]
    if rates:
        assert max(rates) == pytest.approx(min(rates), rel=1e-6)


def _units() -> list[FrameUnit]:
    return [
        FrameUnit(1, "C11", 1000, 10, "D1"),
        FrameUnit(2, "C12", 30, 10, "D1"),
        FrameUnit(3, "C13", 25, 10, "D1"),
        FrameUnit(4, "C21", 40, 20, "D2"),
        FrameUnit(5, "C22", 0, 20, "D2"),
        FrameUnit(6, "C23", None, 20, "D2"),
    ]


def test_small_units_are_excluded_with_their_reason():
    strata, excluded = form_strata(_units(), threshold=50, small="exclude")
    assert [s.key for s in strata] == ["C11"]
    assert {(e.unit, e.reason) for e in excluded} == {
        ("C12", "fewer than 50 transactions"),
        ("C13", "fewer than 50 transactions"),
        ("C21", "fewer than 50 transactions"),
        ("C22", "no transactions"),
        ("C23", "no population known"),
    }


def test_small_units_are_pooled_per_parent():
    strata, excluded = form_strata(_units(), threshold=50, small="merge")
    assert [(s.key, s.unit_id, s.members, s.population) for s in strata] == [
        ("C11", 1, ("C11",), 1000),
        ("pooled:D1", 10, ("C12", "C13"), 55),
        ("pooled:D2", 20, ("C21",), 40),
    ]
    assert [e.unit for e in excluded] == ["C22", "C23"]


def test_per_stratum_plan_applies_the_rule_to_each_stratum():
    strata, _ = form_strata(_units(), threshold=50, small="merge")
    sizing = size_strata(PlanSpec(minimum=30, maximum=250), strata)
    # C11: 286 → max 250; D1 pool: 55 → 49; D2 pool: 40 → 37 (≥ 30)
    assert [s.size for s in sizing.strata] == [250, 49, 37]


def test_allocated_plan_defaults_to_the_rule_for_the_whole_frame():
    strata, _ = form_strata(_units(), threshold=50, small="merge")
    sizing = size_strata(PlanSpec(method="allocate"), strata)
    # yamane(1095) = 1095 / (1 + 1095 · 0.0025) = 292.97 → 293; shares 267.58, 14.72, 10.70
    assert [s.size for s in sizing.strata] == [267, 15, 11]
    assert sizing.total == 293
    assert sizing.notes == ["total 293: the yamane rule for the whole frame N = 1095"]


def test_neyman_without_any_previous_round_falls_back_to_proportional():
    strata, _ = form_strata(_units(), threshold=50, small="merge")
    sizing = size_strata(PlanSpec(method="allocate", total=100, allocation="neyman"), strata)
    proportional = size_strata(PlanSpec(method="allocate", total=100), strata)
    assert [s.size for s in sizing.strata] == [s.size for s in proportional.strata]
    assert "none of the strata has one, so the allocation is proportional" in sizing.notes[0]


def test_neyman_imputes_a_missing_spread_with_the_mean():
    strata, _ = form_strata(_units(), threshold=50, small="merge")
    spec = PlanSpec(method="allocate", total=100, allocation="neyman")
    sizing = size_strata(spec, strata, {"C11": Spread(0.1, "R1"), "pooled:D1": Spread(0.3, "R1")})
    assert [s.spread for s in sizing.strata] == [0.1, 0.3, pytest.approx(0.2)]
    assert sizing.notes == ["no previous round for pooled:D2: S_h set to the mean 0.2000"]
    # weights 1000·0.1 = 100, 55·0.3 = 16.5, 40·0.2 = 8 → shares 80.2, 13.2, 6.4
    assert [s.size for s in sizing.strata] == [80, 13, 7]
