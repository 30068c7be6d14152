"""The SVG charts' geometry: a bar's length is its value, whiskers sit at the interval's
bounds, a trend's points at their values; and each chart names itself for screen readers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.console.charts import (
    BAR_Y,
    LABEL_CHARS,
    PLOT_LEFT,
    PLOT_RIGHT,
    ROW,
    TOP,
    TREND_BOTTOM,
    TREND_TOP,
    Bar,
    Point,
    bar_chart,
    scale_x,
    scale_y,
    trend_chart,
    trend_range,
    trend_x,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
PER_POINT = (PLOT_RIGHT - PLOT_LEFT) / 100  # viewBox units per percentage point


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def floats(element: ET.Element, *names: str) -> list[float]:
    return [float(element.attrib[name]) for name in names]


def texts(root: ET.Element, cls: str) -> list[str]:
    return [t.text or "" for t in root.iterfind("svg:text", NS) if t.get("class") == cls]


def test_bar_lengths_are_proportional_to_values_and_start_at_zero():
    values = [20.0, 50.0, 90.0, 100.0, 0.0]
    root = parse(bar_chart([Bar(f"U{v}", v) for v in values], "t", "c"))
    rects = root.findall("svg:rect", NS)
    assert [float(r.get("x", "")) for r in rects] == [PLOT_LEFT] * len(values)
    widths = [float(r.get("width", "")) for r in rects]
    assert widths == pytest.approx([v * PER_POINT for v in values], abs=0.01)
    assert widths[1] / widths[0] == pytest.approx(50 / 20, rel=1e-3)
    middles = [float(r.get("y", "")) + float(r.get("height", "")) / 2 for r in rects]
    assert middles == pytest.approx([TOP + i * ROW + BAR_Y for i in range(len(values))])


@given(st.floats(0, 100), st.floats(0, 100))
def test_any_two_bars_compare_as_their_values(a: float, b: float):
    root = parse(bar_chart([Bar("a", a), Bar("b", b)], "t", "c"))
    wa, wb = (float(r.get("width", "")) for r in root.findall("svg:rect", NS))
    assert wa == pytest.approx(a * PER_POINT, abs=0.006)
    assert wb == pytest.approx(b * PER_POINT, abs=0.006)


def test_whiskers_sit_at_the_interval_bounds_with_caps():
    root = parse(bar_chart([Bar("ACC1", 87.5, 80.25, 93.0)], "t", "c"))
    (whisker,) = [line for line in root.iterfind("svg:line", NS) if line.get("class") == "ci"]
    x1, y1, x2, y2 = floats(whisker, "x1", "y1", "x2", "y2")
    assert (x1, x2) == pytest.approx((scale_x(80.25), scale_x(93.0)), abs=0.006)
    assert x1 == pytest.approx(PLOT_LEFT + 80.25 * PER_POINT, abs=0.006)
    assert y1 == y2 == TOP + BAR_Y
    caps = [line for line in root.iterfind("svg:line", NS) if line.get("class") == "cap"]
    assert sorted(float(c.get("x1", "")) for c in caps) == pytest.approx([x1, x2], abs=0.006)
    assert all(c.get("x1") == c.get("x2") for c in caps)  # vertical ends
    assert texts(root, "value") == ["87.5"]


def test_missing_values_unreliable_bars_and_the_scale():
    bars = [Bar("no data", None), Bar("few", 60.0, 40.0, 75.0, weak=True), Bar("ok", 70.0)]
    root = parse(bar_chart(bars, "t", "c", fmt=lambda v: f"{v:.0f}%"))
    rects = root.findall("svg:rect", NS)
    assert [r.get("class") for r in rects] == ["bar weak", "bar"]  # none for "no data"
    assert texts(root, "name") == ["no data", "few *", "ok"]
    assert texts(root, "value") == ["—", "60%", "70%"]
    assert texts(root, "tick") == ["0", "25", "50", "75", "100"]  # the axis: whole numbers
    ci = [line for line in root.iterfind("svg:line", NS) if line.get("class") == "ci"]
    assert len(ci) == 1  # a bar without an interval has no whisker


def test_values_outside_0_100_are_clamped_and_long_labels_shortened():
    name = "Bộ phận tiếp nhận và trả kết quả của Ủy ban nhân dân xã Hòa Lạc, huyện Sơn Hà"
    root = parse(bar_chart([Bar(name, 120.0)], "t", "c"))
    (rect,) = root.findall("svg:rect", NS)
    assert float(rect.get("width", "")) == pytest.approx(PLOT_RIGHT - PLOT_LEFT)
    (label,) = texts(root, "name")
    assert label.endswith("…") and len(label) <= LABEL_CHARS and name.startswith(label[:-1])


def test_a_chart_names_itself_and_escapes_text():
    root = parse(
        bar_chart([Bar("<b>&", 50.0)], "Chỉ số <theo> yếu tố", "c-el", desc="Thanh: chỉ số")
    )
    assert root.get("role") == "img"
    title, desc = root[0], root[1]
    assert title.tag.endswith("title") and title.text == "Chỉ số <theo> yếu tố"
    assert desc.text == "Thanh: chỉ số"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert texts(root, "name") == ["<b>&"]
    assert "<script" not in str(bar_chart([Bar("<script>", 1.0)], "t", "c"))


def test_trend_points_follow_their_values_and_intervals():
    points = [Point("R1", 80.0, 75.0, 84.0), Point("R2", None), Point("R3", 90.0, 86.0, 93.0)]
    low, high = trend_range(points)
    assert (low, high) == (70.0, 100.0)  # 5 points under the lowest bound, down to a tens
    root = parse(trend_chart(points, "t", "c"))
    dots = root.findall("svg:circle", NS)
    assert [floats(d, "cx", "cy") for d in dots] == [
        pytest.approx([trend_x(0, 3), scale_y(80.0, low, high)], abs=0.006),
        pytest.approx([trend_x(2, 3), scale_y(90.0, low, high)], abs=0.006),
    ]
    span = TREND_BOTTOM - TREND_TOP
    assert scale_y(80.0, low, high) == pytest.approx(TREND_BOTTOM - (80 - 70) / 30 * span)
    whiskers = [line for line in root.iterfind("svg:line", NS) if line.get("class") == "ci"]
    assert [floats(w, "y1", "y2") for w in whiskers] == [
        pytest.approx([scale_y(75.0, low, high), scale_y(84.0, low, high)], abs=0.006),
        pytest.approx([scale_y(86.0, low, high), scale_y(93.0, low, high)], abs=0.006),
    ]
    (line,) = root.findall("svg:path", NS)
    assert line.get("d", "").count("M") == 2  # broken at the round without a value
    assert texts(root, "value") == ["80.0", "—", "90.0"]
    assert texts(root, "tick")[-3:] == ["R1", "R2", "R3"]


def test_trend_scale_without_data_and_near_zero():
    assert trend_range([Point("R1", None)]) == (0.0, 100.0)
    assert trend_range([Point("R1", 3.0)]) == (0.0, 100.0)
    root = parse(trend_chart([Point("R1", None)], "t", "c"))
    assert root.findall("svg:path", NS) == [] and root.findall("svg:circle", NS) == []
