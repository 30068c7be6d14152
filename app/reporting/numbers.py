"""One rounding policy for figures leaving the service.

The API keeps full precision without float dust: every float it returns is rounded to
``SIGNIFICANT`` (12) significant digits at the boundary, so that a weighted sum that is 800 in
exact arithmetic is served as ``800.0`` and not ``800.0000000000001`` (a binary sum of tenths
drifts in the 16th digit; twelve digits keep every real digit of a percentage or a weight
total). Exported files (CSV, XLSX, SPSS, Stata) carry the same tidy numbers. Displays and
documents (console pages, the report document) round to one or two decimals with
:func:`shown`, Vietnamese style (``86,4``).
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import PlainSerializer

SIGNIFICANT = 12


def tidy(value: float) -> float:
    """``value`` to 12 significant digits (non-finite values unchanged)."""
    if not math.isfinite(value) or value == 0:
        return value + 0.0  # -0.0 -> 0.0
    return float(f"{value:.{SIGNIFICANT}g}")


# A float of the reporting API: serialised to JSON tidied (pydantic-core calls ``tidy`` per
# value: a report of 400 units serialises in 3.5 ms, docs/performance.md).
Figure = Annotated[float, PlainSerializer(tidy, return_type=float, when_used="json")]


def shown(value: float | None, decimals: int = 1, comma: bool = True, missing: str = "–") -> str:
    """A figure for people: ``decimals`` places, a decimal comma in Vietnamese documents."""
    if value is None:
        return missing
    text = f"{value:,.{decimals}f}"
    if comma:  # 1,234.5 -> 1.234,5
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def places_text(change: int | None, lang: str = "vi") -> str:
    """A rank change in places: 'tăng 7 bậc', 'giảm 2 bậc', 'giữ nguyên' (or English)."""
    if change is None:
        return ""
    if lang == "vi":
        if change == 0:
            return "giữ nguyên"
        return f"{'tăng' if change > 0 else 'giảm'} {abs(change)} bậc"
    if change == 0:
        return "unchanged"
    word = "place" if abs(change) == 1 else "places"
    return f"{'up' if change > 0 else 'down'} {abs(change)} {word}"
