"""Sample-size rules: the official examples, Cochran, bounds, and properties over all N."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.sampling.sizes import bounded, cochran, sample_size, yamane


@pytest.mark.parametrize(
    ("population", "expected"),
    [(1200, 300), (50, 45), (1, 1), (0, 0), (400, 200), (10_000, 385), (1_000_000, 400)],
)
def test_official_rule_rounds_up(population: int, expected: int):
    assert yamane(population) == expected


def test_official_rule_other_margin():
    # 1000 / (1 + 1000 · 0.1²) = 90.9 → 91
    assert yamane(1000, margin=0.1) == 91


@pytest.mark.parametrize(
    ("population", "expected"),
    # n0 = 1.96² · 0.25 / 0.05² = 384.16; n = n0 / (1 + (n0 − 1)/N), rounded up
    [(1200, 292), (50, 45), (100_000, 383), (384, 193), (1, 1)],
)
def test_cochran_with_finite_population_correction(population: int, expected: int):
    assert cochran(population) == expected


def test_cochran_smaller_spread_needs_fewer():
    # p = 0.9: n0 = 1.96² · 0.09 / 0.05² = 138.3; N = 1200: 138.3 / (1 + 137.3/1200) = 124.1
    assert cochran(1200, proportion=0.9) == 125
    assert sample_size(1200, "cochran", 0.05, 0.9) == 125
    assert sample_size(1200) == 300


@pytest.mark.parametrize("margin", [0, 1, -0.1, 1.5])
def test_impossible_margins_are_refused(margin: float):
    with pytest.raises(ValueError, match="margin"):
        yamane(100, margin)
    with pytest.raises(ValueError, match="margin"):
        cochran(100, margin)


def test_bounds():
    assert bounded(300, 1200, minimum=30, maximum=200) == 200
    assert bounded(10, 1200, minimum=30) == 30
    assert bounded(10, 20, minimum=30) == 20  # never above N_h, even for the minimum
    assert bounded(300, 250) == 250


populations = st.integers(min_value=0, max_value=5_000_000)
margins = st.floats(min_value=0.005, max_value=0.5)
proportions = st.floats(min_value=0.01, max_value=0.99)


@given(populations, margins)
def test_yamane_never_exceeds_the_population(population: int, margin: float):
    n = yamane(population, margin)
    assert 0 <= n <= population
    assert (n > 0) == (population > 0)


@given(populations, populations, margins)
def test_yamane_is_monotone_in_n(a: int, b: int, margin: float):
    small, large = sorted((a, b))
    assert yamane(small, margin) <= yamane(large, margin)


@given(populations, margins, proportions)
def test_cochran_never_exceeds_the_population(population: int, margin: float, p: float):
    n = cochran(population, margin, p)
    assert 0 <= n <= population
    assert (n > 0) == (population > 0)


@given(populations, populations, margins, proportions)
def test_cochran_is_monotone_in_n(a: int, b: int, margin: float, p: float):
    small, large = sorted((a, b))
    assert cochran(small, margin, p) <= cochran(large, margin, p)


@given(populations, st.integers(0, 1000), st.integers(1, 1000), st.integers(0, 10_000))
def test_bounded_stays_within_bounds(population: int, low: int, high: int, size: int):
    if low > high:
        low, high = high, low
    n = bounded(size, population, low, high)
    assert n <= population and n <= high
    assert n >= min(low, population)
