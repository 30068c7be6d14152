"""Allocation of a fixed total across strata: proportional, equal or Neyman. Pure functions.

The real-valued allocation is the one closest to "proportional to the weights" that the
bounds allow: n_h = clamp(λ·w_h, lower_h, upper_h) with λ chosen so that Σ n_h = total (a
stratum capped at its N_h or at the maximum gives its surplus to the others, in proportion).
Integers then come from the largest-remainder rule, so they sum exactly to the total and stay
within the bounds. Weights: proportional w_h = N_h, equal w_h = 1, Neyman w_h = N_h·S_h.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

Allocation = Literal["proportional", "equal", "neyman"]


def _filled(
    lam: float, weights: Sequence[float], lower: Sequence[int], upper: Sequence[int]
) -> list[float]:
    return [
        min(max(lam * w, float(lo)), float(hi))
        for w, lo, hi in zip(weights, lower, upper, strict=True)
    ]


def continuous_shares(
    total: float, weights: Sequence[float], lower: Sequence[int], upper: Sequence[int]
) -> list[float]:
    """Real n_h = clamp(λ·w_h, lower_h, upper_h) summing to ``total``.

    Σ clamp(λ·w_h) is piecewise linear and non-decreasing in λ, with breakpoints at lower_h/w_h
    and upper_h/w_h: λ is found exactly on the segment that crosses ``total``. When the strata
    with a positive weight are all full, the rest goes to the zero-weight strata equally.
    """
    points = sorted(
        {0.0}
        | {
            b / w
            for w, lo, hi in zip(weights, lower, upper, strict=True)
            if w > 0
            for b in (lo, hi)
        }
    )
    if sum(full := _filled(points[-1], weights, lower, upper)) < total:
        idle = [i for i, w in enumerate(weights) if w <= 0]
        if not idle:  # every stratum at its upper bound (short of ``total`` by float dust)
            return full
        rest = continuous_shares(
            total - sum(full[i] for i in range(len(full)) if i not in idle),
            [1.0] * len(idle),
            [lower[i] for i in idle],
            [upper[i] for i in idle],
        )
        for i, share in zip(idle, rest, strict=True):
            full[i] = share
        return full
    low, high = 0, len(points) - 1  # the first breakpoint reaching the total
    while low < high:
        mid = (low + high) // 2
        if sum(_filled(points[mid], weights, lower, upper)) >= total:
            high = mid
        else:
            low = mid + 1
    if high == 0:
        return _filled(0.0, weights, lower, upper)
    a, b = points[high - 1], points[high]
    fa, fb = (sum(_filled(x, weights, lower, upper)) for x in (a, b))
    return _filled(a + (total - fa) * (b - a) / (fb - fa), weights, lower, upper)


def largest_remainder(shares: Sequence[float], total: int, upper: Sequence[int]) -> list[int]:
    """Integers summing to ``total``: floors, then +1 for the largest remainders (ties: order)."""
    exact = [round(s, 6) for s in shares]  # bisection leaves float dust
    counts = [math.floor(s) for s in exact]
    missing = total - sum(counts)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in [i for i in order if counts[i] < upper[i]][:missing]:
        counts[i] += 1
    if sum(counts) != total:  # pragma: no cover - the bounds were checked by allocate()
        raise ArithmeticError("allocation does not add up")
    return counts


def allocate(
    total: int, weights: Sequence[float], lower: Sequence[int], upper: Sequence[int]
) -> list[int]:
    """Integer n_h, Σ n_h = total, lower_h ≤ n_h ≤ upper_h, proportional to the weights as far
    as the bounds allow. Raises ValueError when the bounds make the total impossible."""
    if any(lo > hi for lo, hi in zip(lower, upper, strict=True)):
        raise ValueError("a stratum's minimum is above its maximum")
    if any(w < 0 or not math.isfinite(w) for w in weights):
        raise ValueError("weights must be finite and not negative")
    if total < sum(lower):
        raise ValueError(f"the total {total} is below the sum of the minimums ({sum(lower)})")
    if total > sum(upper):
        raise ValueError(f"the total {total} is above what the strata hold ({sum(upper)})")
    return largest_remainder(continuous_shares(total, _scaled(weights), lower, upper), total, upper)


def _scaled(weights: Sequence[float]) -> list[float]:
    """Weights relative to the largest; a weight below 1e-12 of it counts as zero."""
    top = max(weights, default=0.0)
    if top <= 0:
        return [0.0] * len(weights)
    return [w / top if w / top >= 1e-12 else 0.0 for w in weights]


def allocation_weights(
    allocation: Allocation, populations: Sequence[int], spreads: Sequence[float] | None = None
) -> list[float]:
    """w_h for the allocation: N_h (proportional), 1 (equal) or N_h·S_h (Neyman)."""
    if allocation == "proportional":
        return [float(n) for n in populations]
    if allocation == "equal":
        return [1.0] * len(populations)
    if spreads is None:
        raise ValueError("a Neyman allocation needs each stratum's standard deviation S_h")
    return [n * s for n, s in zip(populations, spreads, strict=True)]
