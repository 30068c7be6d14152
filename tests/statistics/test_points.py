"""TT 01/2018 scoring: exact boundaries, rounding of indicator means, indicators without data."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from app.forms.loader import load_file
from app.forms.schema import Instrument
from app.statistics.points import classify, mean_points, points_result


@pytest.fixture
def tt01(forms_dir: Path) -> Instrument:
    return load_file(forms_dir / "tt01-2018.yaml").instrument


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("18", "Xuất sắc"),
        ("15.0", "Xuất sắc"),
        ("14.9", "Tốt"),
        ("12.0", "Tốt"),
        ("11.9", "Khá"),
        ("9.0", "Khá"),
        ("8.9", "Trung bình"),
        ("6.0", "Trung bình"),
        ("5.9", "Yếu"),
        ("0", "Yếu"),
    ],
)
def test_class_boundaries(tt01: Instrument, total: str, expected: str):
    assert classify(Decimal(total), tt01.aggregation.classes).label.vi == expected


def test_indicator_mean_is_rounded_half_up_to_one_decimal():
    assert mean_points({2: 1, 1: 1, 0: 2}, 1) == Decimal("0.8")  # 3/4 = 0.75 → 0.8
    assert mean_points({2: 2, 1: 1}, 1) == Decimal("1.7")  # 5/3 = 1.666… → 1.7
    assert mean_points({}, 1) is None


def test_total_leaves_out_indicators_without_data(tt01: Instrument):
    # Seven indicators at 2.0 and one at 1.0 (= 15.0), TT9 without data: exactly Xuất sắc.
    counts = {f"TT{i}": {2.0: 3} for i in range(1, 8)} | {"TT8": {1.0: 2}}
    result = points_result(tt01, counts)
    assert result.total == Decimal("15.0") and result.maximum == Decimal(16)
    assert result.score_class is not None and result.score_class.label.vi == "Xuất sắc"
    assert [i.score for i in result.indicators][-1] is None
    # One dossier less on TT8's good side: 14.9 is no longer Xuất sắc.
    lower = points_result(tt01, counts | {"TT7": {2.0: 9, 1.0: 1}})
    assert lower.total == Decimal("14.9")
    assert lower.score_class is not None and lower.score_class.label.vi == "Tốt"
