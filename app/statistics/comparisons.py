"""An index against score bands, a target, and the previous round: pure arithmetic.

Standard errors and intervals are optional inputs: where they are missing the answers say so
(``significant`` is None; a target is judged on the point estimate, ``basis`` says which).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import NormalDist
from typing import Literal

from app.statistics.ranks import RANK_DECIMALS

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054


@dataclass(frozen=True)
class Band:
    """A score band: reached at ``min`` or more (percent); the last band has no minimum."""

    label: str
    min: float | None


def check_bands(bands: Sequence[Band]) -> list[str]:
    """Problems with a band list (empty when usable): best first, minimums decreasing."""
    problems = []
    if not bands:
        return ["give at least one band"]
    labels = [b.label.strip() for b in bands]
    if any(not label for label in labels) or len(set(labels)) != len(labels):
        problems.append("band labels must be non-empty and distinct")
    if bands[-1].min is not None:
        problems.append("the last band has no minimum (it takes everything below)")
    minimums = [b.min for b in bands[:-1] if b.min is not None]
    if len(minimums) != len(bands) - 1:
        problems.append("every band but the last needs a minimum")
    elif any(not 0 <= m <= 100 for m in minimums):
        problems.append("band minimums are percentages (0 to 100)")
    elif any(a <= b for a, b in pairwise(minimums)):
        problems.append("band minimums must decrease (best band first)")
    return problems


def band_of(index: float | None, bands: Sequence[Band]) -> str | None:
    """The first (best) band whose minimum the index reaches; None without index or bands.

    The index is rounded to RANK_DECIMALS first, so 89.99999999999999 from a sum of shares
    reaches a band that starts at 90.
    """
    if index is None or not bands:
        return None
    value = round(index, RANK_DECIMALS)
    for band in bands:
        if band.min is None or value >= band.min:
            return band.label
    return None


TargetStatusCode = Literal["met", "not_met", "not_determinable"]
TargetBasis = Literal["ci95", "point_estimate", "no_data"]


@dataclass(frozen=True)
class TargetStatus:
    value: float
    status: TargetStatusCode
    basis: TargetBasis


def target_status(
    value: float, index: float | None, ci95: tuple[float, float] | None = None
) -> TargetStatus:
    """Met when the whole 95% interval reaches the target, not met when it lies below, not
    determinable when it straddles; without an interval the point estimate decides."""
    if index is None:
        return TargetStatus(value, "not_determinable", "no_data")
    if ci95 is None:
        met = round(index, RANK_DECIMALS) >= value
        return TargetStatus(value, "met" if met else "not_met", "point_estimate")
    low, high = ci95
    if round(low, RANK_DECIMALS) >= value:
        return TargetStatus(value, "met", "ci95")
    if round(high, RANK_DECIMALS) < value:
        return TargetStatus(value, "not_met", "ci95")
    return TargetStatus(value, "not_determinable", "ci95")


@dataclass(frozen=True)
class Change:
    """This round against the previous one: the earlier figure, its rank, the difference."""

    index: float | None
    rank: int | None
    delta: float | None
    significant: bool | None
    se: float | None = None  # of the earlier figure
    delta_se: float | None = None


def change_se(se: float | None, se_previous: float | None) -> float | None:
    """The SE of a difference between independent samples, √(se² + se_prev²)."""
    if se is None or se_previous is None:
        return None
    return math.sqrt(se * se + se_previous * se_previous)


def significant_change(delta: float, se: float | None, se_previous: float | None) -> bool | None:
    """|Δ| > z(0.975)·√(se² + se_prev²) for independent samples; None without both SEs."""
    delta_se = change_se(se, se_previous)
    return None if delta_se is None else abs(delta) > Z95 * delta_se


def change(
    current: float | None,
    previous: float | None,
    se: float | None = None,
    se_previous: float | None = None,
    rank_previous: int | None = None,
) -> Change:
    """The change from ``previous`` to ``current`` (points); None parts where data is missing."""
    if current is None or previous is None:
        return Change(previous, rank_previous, None, None, se_previous)
    delta = current - previous
    return Change(
        previous,
        rank_previous,
        delta,
        significant_change(delta, se, se_previous),
        se_previous,
        change_se(se, se_previous),
    )
