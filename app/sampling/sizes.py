"""Sample sizes: the official rule and Cochran's, rounded up and bounded. Pure functions.

- Official rule (BNV, Yamane): n = N / (1 + N·e²), e = 5% by default. N = 1,200 → 300.
- Cochran for a proportion at 95% confidence with the finite-population correction:
  n0 = z²·p(1−p)/e² (z = 1.96, p = 0.5 by default: the most conservative),
  n = n0 / (1 + (n0 − 1)/N).

Both are rounded UP (a size is a promise of at least that precision) and never exceed N.
"""

from __future__ import annotations

import math
from typing import Literal

Rule = Literal["yamane", "cochran"]
Z95 = 1.96


def _ceil(value: float) -> int:
    # 1200 / 4.0 is exactly 300, but other inputs leave float dust (300.00000000001 is 300).
    return math.ceil(round(value, 9))


def _check(margin: float, proportion: float = 0.5) -> None:
    if not 0 < margin < 1:
        raise ValueError(f"the margin of error must be between 0 and 1, not {margin}")
    if not 0 < proportion < 1:
        raise ValueError(f"the expected proportion must be between 0 and 1, not {proportion}")


def yamane(population: int, margin: float = 0.05) -> int:
    """n = N / (1 + N·e²), rounded up: N = 1,200 → 300, N = 50 → 45 (e = 0.05)."""
    _check(margin)
    if population <= 0:
        return 0
    return min(population, _ceil(population / (1 + population * margin**2)))


def cochran(population: int, margin: float = 0.05, proportion: float = 0.5) -> int:
    """Cochran's n0 = z²·p(1−p)/e² at 95%, corrected for a finite N, rounded up."""
    _check(margin, proportion)
    if population <= 0:
        return 0
    n0 = Z95**2 * proportion * (1 - proportion) / margin**2
    return min(population, _ceil(n0 / (1 + (n0 - 1) / population)))


def sample_size(
    population: int, rule: Rule = "yamane", margin: float = 0.05, proportion: float = 0.5
) -> int:
    """The size ``rule`` gives for a population of ``population`` transactions."""
    if rule == "yamane":
        return yamane(population, margin)
    return cochran(population, margin, proportion)


def bounded(size: int, population: int, minimum: int = 0, maximum: int | None = None) -> int:
    """``size`` within [minimum, maximum], and never above the population N_h."""
    upper = population if maximum is None else min(maximum, population)
    return max(min(size, upper), min(minimum, upper))
