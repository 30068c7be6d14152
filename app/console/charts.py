"""Charts drawn on the server as inline SVG, without scripts: horizontal bars with their 95%
interval as whiskers, and the trend of an index over rounds.

Pure functions of labels and numbers (no request, no database), so their geometry is tested
alone. A chart is a picture of the table the page shows beside it: ``role="img"`` with a
``<title>`` and a ``<desc>`` names it for screen readers, the table carries the data. Sizes are
viewBox units, about CSS pixels on a 360 px phone; the style sheet scales the SVG to its box.
Indices are percentages: bars start at 0 and end at 100, so a bar's length is its value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

Format = Callable[[float], str]

WIDTH = 360
LABEL_X = 2  # a bar's label, on its own line above the bar
VALUE_X = 40  # values end here, left of the bar
PLOT_LEFT = 46  # value 0
PLOT_RIGHT = 348  # value 100
ROW = 38  # height of one bar's row: its label, then the bar
LABEL_Y = 9  # the label's middle, from the row's top
BAR_Y = 26  # the bar's middle, from the row's top
BAR = 14  # thickness of a bar
CAP = 5  # half the height of a whisker's end
TOP = 2
AXIS = 18  # under the rows: the axis labels
TICKS = (0, 25, 50, 75, 100)
LABEL_CHARS = 54

TREND_LEFT = 40
TREND_RIGHT = 352
TREND_TOP = 10
TREND_BOTTOM = 150
TREND_HEIGHT = 190


def plain(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    low: float | None = None  # the 95% interval, if known
    high: float | None = None
    weak: bool = False  # not reliable: drawn lighter, its label marked


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


def _n(x: float) -> str:
    """A coordinate, short: at most two decimals."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _short(label: str, chars: int = LABEL_CHARS) -> str:
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def scale_x(value: float) -> float:
    """Horizontal position of a percentage on a bar chart (clamped to 0–100)."""
    clamped = min(max(value, 0.0), 100.0)
    return PLOT_LEFT + clamped / 100 * (PLOT_RIGHT - PLOT_LEFT)


def _svg(ident: str, title: str, desc: str, height: float, body: Iterable[str]) -> Markup:
    key = escape(ident)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} '
        f'{_n(height)}" role="img" aria-labelledby="{key}-t {key}-d">'
        f'<title id="{key}-t">{escape(title)}</title><desc id="{key}-d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, text: str, cls: str, anchor: str = "start") -> str:
    return (
        f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}" dy="0.35em" text-anchor="{anchor}">'
        f"{escape(text)}</text>"
    )


def _line(cls: str, x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line class="{cls}" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"/>'


def _whisker(x1: float, y1: float, x2: float, y2: float, vertical: bool) -> list[str]:
    """An interval from (x1, y1) to (x2, y2) with a short cap across each end."""
    if vertical:
        caps = [_line("cap", x1 - CAP, y, x1 + CAP, y) for y in (y1, y2)]
    else:
        caps = [_line("cap", x, y1 - CAP, x, y1 + CAP) for x in (x1, x2)]
    return [_line("ci", x1, y1, x2, y2), *caps]


def _bar_row(bar: Bar, y: float, fmt: Format, mark: str) -> list[str]:
    middle = y + BAR_Y
    label = _short(bar.label) + (f" {mark}" if bar.weak else "")
    parts = [_text(LABEL_X, y + LABEL_Y, label, "name")]
    if bar.value is None:
        return [*parts, _text(VALUE_X, middle, "—", "value", "end")]
    end = scale_x(bar.value)
    parts += [
        _text(VALUE_X, middle, fmt(bar.value), "value", "end"),
        f'<rect class="bar{" weak" if bar.weak else ""}" x="{PLOT_LEFT}" '
        f'y="{_n(middle - BAR / 2)}" width="{_n(end - PLOT_LEFT)}" height="{BAR}"/>',
    ]
    if bar.low is not None and bar.high is not None:
        parts += _whisker(scale_x(bar.low), middle, scale_x(bar.high), middle, vertical=False)
    return parts


def bar_chart(
    bars: Sequence[Bar],
    title: str,
    ident: str,
    desc: str = "",
    fmt: Format = plain,
    mark: str = "*",
) -> Markup:
    """Horizontal bars on a 0–100 scale, in the order given, each with its interval."""
    bottom = TOP + len(bars) * ROW
    body = []
    for tick in TICKS:
        x = scale_x(tick)
        body += [
            _line("grid", x, TOP, x, bottom),
            _text(x, bottom + AXIS / 2, str(tick), "tick", "middle"),
        ]
    for i, bar in enumerate(bars):
        body += _bar_row(bar, TOP + i * ROW, fmt, mark)
    return _svg(ident, title, desc, bottom + AXIS, body)


def trend_range(points: Sequence[Point]) -> tuple[float, float]:
    """The vertical scale of a trend: from a multiple of 10 at least 5 points below the lowest
    value or interval bound (never below 0) up to 100."""
    seen = [p.low if p.low is not None else p.value for p in points if p.value is not None]
    found = [v for v in seen if v is not None]
    if not found:
        return 0.0, 100.0
    return max(0.0, math.floor((min(found) - 5) / 10) * 10), 100.0


def scale_y(value: float, low: float, high: float) -> float:
    clamped = min(max(value, low), high)
    return TREND_BOTTOM - (clamped - low) / (high - low) * (TREND_BOTTOM - TREND_TOP)


def trend_x(i: int, n: int) -> float:
    """The middle of the i-th of n equal slots across the plot."""
    return TREND_LEFT + (i + 0.5) * (TREND_RIGHT - TREND_LEFT) / n


def _trend_axis(low: float, high: float) -> list[str]:
    step = 10 if high - low <= 50 else 20
    body = []
    for k in range(int(low), int(high) + 1, step):
        y = scale_y(k, low, high)
        body += [_line("grid", TREND_LEFT, y, TREND_RIGHT, y)]
        body += [_text(TREND_LEFT - 4, y, str(k), "tick", "end")]
    return body


def trend_chart(
    points: Sequence[Point], title: str, ident: str, desc: str = "", fmt: Format = plain
) -> Markup:
    """An index over rounds, oldest first: a line through the values (broken where a round
    has none), each value with its interval, the round's label and value under the plot."""
    low, high = trend_range(points)
    chars = max(4, int((TREND_RIGHT - TREND_LEFT) / max(len(points), 1) / 6.5))
    path, marks, pen_down = [], [], False
    for i, p in enumerate(points):
        x = trend_x(i, len(points))
        marks.append(_text(x, TREND_BOTTOM + 14, _short(p.label, chars), "tick", "middle"))
        shown = "—" if p.value is None else fmt(p.value)
        marks.append(_text(x, TREND_BOTTOM + 30, shown, "value", "middle"))
        if p.value is None:
            pen_down = False
            continue
        y = scale_y(p.value, low, high)
        path.append(f"{'L' if pen_down else 'M'}{_n(x)} {_n(y)}")
        pen_down = True
        if p.low is not None and p.high is not None:
            marks += _whisker(x, scale_y(p.low, low, high), x, scale_y(p.high, low, high), True)
        marks.append(f'<circle class="dot" cx="{_n(x)}" cy="{_n(y)}" r="4"/>')
    line = [f'<path class="line" d="{"".join(path)}"/>'] if path else []
    return _svg(ident, title, desc, TREND_HEIGHT, [*_trend_axis(low, high), *line, *marks])


@dataclass(frozen=True)
class Day:
    label: str
    responses: int
    held: int


def timeline_chart(
    days: Sequence[Day], expected: float | None, title: str, ident: str, desc: str = ""
) -> Markup:
    """Submissions per day as columns (the held part darker) against the counter's expected
    transactions per day (a dashed line): a column far above the line is a burst."""
    top = max([d.responses for d in days] + [expected or 0, 1])
    width = (TREND_RIGHT - TREND_LEFT) / max(len(days), 1)
    body = []
    for k in sorted({0, round(top / 2), round(top)}):
        y = scale_y(k, 0, top)
        body += [
            _line("grid", TREND_LEFT, y, TREND_RIGHT, y),
            _text(TREND_LEFT - 4, y, str(k), "tick", "end"),
        ]
    for i, day in enumerate(days):
        x = TREND_LEFT + i * width + width * 0.1
        for count, cls in ((day.responses, "bar"), (day.held, "bar held")):
            y = scale_y(count, 0, top)
            body.append(
                f'<rect class="{cls}" x="{_n(x)}" y="{_n(y)}" width="{_n(width * 0.8)}" '
                f'height="{_n(TREND_BOTTOM - y)}"/>'
            )
    for i in (0, len(days) - 1) if days else ():
        x = TREND_LEFT + (i + 0.5) * width
        body.append(_text(x, TREND_BOTTOM + 14, days[i].label, "tick", "middle"))
    if expected is not None:
        y = scale_y(expected, 0, top)
        body.append(_line("expected", TREND_LEFT, y, TREND_RIGHT, y))
    return _svg(ident, title, desc, TREND_HEIGHT, body)
