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
    """Real n_h = clamp(λ·w_h, lower_h, upper_h) summing to ``total`` (found by bisection).

    When the strata with a positive weight are all full, the rest of the total goes to the
    zero-weight strata equally (e.g. Neyman with S_h = 0 everywhere else exhausted).
    """
    top = max((hi / w for w, hi in zip(weights, upper, strict=True) if w > 0), default=0.0)
    full = _filled(top, weights, lower, upper)
    if sum(full) < total:
        idle = [i for i, w in enumerate(weights) if w <= 0]
        rest = continuous_shares(
            total - sum(full[i] for i in range(len(full)) if i not in idle),
            [1.0] * len(idle),
            [lower[i] for i in idle],
            [upper[i] for i in idle],
        )
        for i, share in zip(idle, rest, strict=True):
            full[i] = share
        return full
    low, high = 0.0, top
    for _ in range(200):
        mid = (low + high) / 2
        if sum(_filled(mid, weights, lower, upper)) < total:
            low = mid
        else:
            high = mid
    return _filled(high, weights, lower, upper)


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
    return largest_remainder(continuous_shares(total, weights, lower, upper), total, upper)


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
