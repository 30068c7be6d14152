"""Bands, targets and the significance of a change: the rules, on hand-made numbers."""

from __future__ import annotations

import pytest

from app.statistics.comparisons import (
    Band,
    band_of,
    change,
    check_bands,
    significant_change,
    target_status,
)

ABC = [Band("A", 90), Band("B", 80), Band("C", None)]


@pytest.mark.parametrize(
    ("index", "band"),
    [
        (100.0, "A"),
        (90.0, "A"),
        (89.99999999999999, "A"),
        (89.9, "B"),
        (80.0, "B"),
        (79.99, "C"),
        (0.0, "C"),
        (None, None),
    ],
)
def test_band_boundaries_belong_to_the_higher_band(index: float | None, band: str | None):
    assert band_of(index, ABC) == band


def test_no_bands_no_band():
    assert band_of(95.0, []) is None


@pytest.mark.parametrize(
    ("bands", "problem"),
    [
        ([], "at least one"),
        ([Band("A", 90), Band("B", 80)], "last band has no minimum"),
        ([Band("A", 80), Band("B", 90), Band("C", None)], "decrease"),
        ([Band("A", 90), Band("A", None)], "distinct"),
        ([Band("A", 190), Band("B", None)], "percentages"),
        ([Band("A", None), Band("B", None)], "needs a minimum"),
    ],
)
def test_unusable_bands_are_refused(bands: list[Band], problem: str):
    assert any(problem in p for p in check_bands(bands))


def test_usable_bands_pass():
    assert check_bands(ABC) == []
    assert check_bands([Band("all", None)]) == []


@pytest.mark.parametrize(
    ("index", "ci", "status", "basis"),
    [
        (91.0, (89.0, 93.0), "met", "ci95"),  # the whole interval reaches 89
        (91.0, (89.5, 93.0), "met", "ci95"),
        (90.0, (88.0, 92.0), "not_determinable", "ci95"),  # straddles
        (87.0, (85.0, 88.9), "not_met", "ci95"),
        (89.0, None, "met", "point_estimate"),
        (88.99, None, "not_met", "point_estimate"),
        (None, None, "not_determinable", "no_data"),
        (None, (80.0, 90.0), "not_determinable", "no_data"),
    ],
)
def test_target_status(index, ci, status: str, basis: str):
    found = target_status(89.0, index, ci)
    assert (found.value, found.status, found.basis) == (89.0, status, basis)


def test_significance_uses_both_standard_errors():
    # threshold 1.96 * sqrt(1.5² + 2²) = 1.96 * 2.5 = 4.9
    assert significant_change(4.95, 1.5, 2.0) is True
    assert significant_change(-4.95, 1.5, 2.0) is True
    assert significant_change(4.85, 1.5, 2.0) is False
    assert significant_change(10.0, None, 2.0) is None
    assert significant_change(10.0, 1.5, None) is None


def test_change_without_data_or_errors():
    found = change(85.0, 80.0, rank_previous=3)
    assert (found.index, found.rank, found.delta, found.significant) == (80.0, 3, 5.0, None)
    assert change(None, 80.0).delta is None and change(None, 80.0).index == 80.0
    assert change(85.0, None).delta is None
    with_se = change(85.0, 80.0, 1.0, 1.0)
    assert with_se.significant is True  # 5 > 1.96·√2 = 2.77
