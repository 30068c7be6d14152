"""The importance–performance chart, drawn on the server as inline SVG (no script).

x: performance (the criterion's index, percent); y: importance (its share of R²). The lines
cross at the mean performance and the mean share (1/k): top left "fix first" (important, low),
top right "keep up", bottom left "low priority", bottom right "possible overkill".
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from app.i18n import N_
from app.improvement.schemas import DriverReport

TITLE = N_("Tầm quan trọng và kết quả")
FIX_FIRST = N_("Cần ưu tiên khắc phục")
KEEP_UP = N_("Cần duy trì")
LOW_PRIORITY = N_("Ưu tiên thấp")
OVERKILL = N_("Có thể đầu tư quá mức")
PERFORMANCE = N_("Kết quả (tỷ lệ hài lòng)")

W, H = 360, 300
LEFT, RIGHT, TOP, BOTTOM = 40, 350, 14, 260


def _x(value: float, low: float, high: float) -> float:
    return LEFT + (value - low) / (high - low or 1) * (RIGHT - LEFT)


def _y(value: float, top: float) -> float:
    return BOTTOM - value / (top or 1) * (BOTTOM - TOP)


def ipa_svg(report: DriverReport, gettext: Callable[[str], str] = lambda s: s) -> Markup:
    """The chart of ``report``'s drivers with a performance figure."""
    points = [d for d in report.drivers if d.performance is not None]
    title = escape(gettext(TITLE))
    if not points:
        return Markup(f'<svg viewBox="0 0 {W} {H}" role="img"><title>{title}</title></svg>')
    perf = [d.performance or 0.0 for d in points]
    low, high = max(0.0, min(perf) - 5), min(100.0, max(perf) + 5)
    top = max(d.share for d in points) * 1.15 or 1.0
    mean_x = _x(sum(perf) / len(perf), low, high)
    mean_y = _y(1 / max(report.predictors, 1), top)
    parts = [
        f'<svg viewBox="0 0 {W} {H}" role="img" class="ipa" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{title}</title>",
        f'<line x1="{mean_x:.1f}" y1="{TOP}" x2="{mean_x:.1f}" y2="{BOTTOM}" class="ipa-mean"/>',
        f'<line x1="{LEFT}" y1="{mean_y:.1f}" x2="{RIGHT}" y2="{mean_y:.1f}" class="ipa-mean"/>',
        f'<line x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}" class="axis"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BOTTOM}" class="axis"/>',
    ]
    corners = [
        (LEFT + 4, TOP + 10, "start", gettext(FIX_FIRST)),
        (RIGHT - 4, TOP + 10, "end", gettext(KEEP_UP)),
        (LEFT + 4, BOTTOM - 4, "start", gettext(LOW_PRIORITY)),
        (RIGHT - 4, BOTTOM - 4, "end", gettext(OVERKILL)),
    ]
    for cx, cy, anchor, label in corners:
        parts.append(
            f'<text x="{cx}" y="{cy}" text-anchor="{anchor}" class="ipa-quadrant">'
            f"{escape(label)}</text>"
        )
    for d in points:
        x, y = _x(d.performance or 0.0, low, high), _y(d.share, top)
        parts.append(
            f'<g class="ipa-point {d.quadrant}"><circle cx="{x:.1f}" cy="{y:.1f}" r="4">'
            f"<title>{escape(d.code)}: {d.performance:.1f}%, {d.share * 100:.1f}%</title>"
            f'</circle><text x="{x + 6:.1f}" y="{y + 3:.1f}">{escape(d.code)}</text></g>'
        )
    parts.append(
        f'<text x="{(LEFT + RIGHT) / 2}" y="{H - 16}" text-anchor="middle">'
        f"{escape(gettext(PERFORMANCE))} {low:.0f}–{high:.0f}</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))
