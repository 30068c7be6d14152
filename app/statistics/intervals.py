"""95% intervals of a share p with standard error se on df degrees of freedom, as R's
``svyciprop``: "logit" (method="xlogit": the delta method on the logit scale; "logit" is
the same interval from a glm fit), "beta" (Korn and Graubard's Clopper–Pearson interval at
the effective sample size) and "wilson" (the score interval at the effective sample size).

None where R has no interval: df < 1 (t(0.975, 0) is NaN), logit at p = 0 or 1, beta with a
single answer (t(0.975, n − 1) is NaN). Where the design variance is exactly 0, "beta" and
"wilson" take the effective sample size to be the number of answers n (R's p(1−p)/0 is NaN
or infinite; Korn and Graubard's convention).
"""

from __future__ import annotations

import math

from app.statistics.distributions import beta_quantile, t_quantile

Interval = tuple[float, float]


def interval(method: str, p: float, se: float, df: int, n: int) -> Interval | None:
    """The interval (percent) of ``method`` for the share p (0–1)."""
    if df < 1 or not math.isfinite(se):
        return None
    found = {"logit": logit, "beta": korn_graubard, "wilson": wilson}[method](p, se, df, n)
    return None if found is None else (100.0 * found[0], 100.0 * found[1])


def logit(p: float, se: float, df: int, n: int) -> Interval | None:
    """expit(logit(p) ± t·se/(p(1−p))); None at p = 0 or 1 (the logit is infinite)."""
    if p <= 0.0 or p >= 1.0:
        return None
    half = t_quantile(0.975, df) * se / (p * (1.0 - p))
    centre = math.log(p / (1.0 - p))
    return (_expit(centre - half), _expit(centre + half))


def effective_n(p: float, se: float, n: int) -> float:
    """p(1−p)/se², or n where that is 0/0 or undefined (se = 0)."""
    return p * (1.0 - p) / (se * se) if se > 0.0 else float(n)


def korn_graubard(p: float, se: float, df: int, n: int) -> Interval | None:
    """R: n.eff = p(1−p)/se²·(qt(0.025, n−1)/qt(0.025, df))², then
    [qbeta(0.025, n.eff·p, n.eff·(1−p) + 1), qbeta(0.975, n.eff·p + 1, n.eff·(1−p))]."""
    if n < 2:
        return None
    ratio = t_quantile(0.975, n - 1) / t_quantile(0.975, df)
    m = effective_n(p, se, n) * ratio * ratio
    low = beta_quantile(0.025, m * p, m * (1.0 - p) + 1.0)
    return (low, beta_quantile(0.975, m * p + 1.0, m * (1.0 - p)))


def wilson(p: float, se: float, df: int, n: int) -> Interval | None:
    """(p + t²/2m ± t·√(p(1−p)/m + t²/4m²)) / (1 + t²/m), m the effective sample size and
    t = qt(0.975, df)."""
    m = effective_n(p, se, n)
    if m <= 0.0:
        return None
    t2 = t_quantile(0.975, df) ** 2
    centre = p + t2 / (2.0 * m)
    half = math.sqrt(t2) * math.sqrt(p * (1.0 - p) / m + t2 / (4.0 * m * m))
    scale = 1.0 + t2 / m
    return (max(0.0, (centre - half) / scale), min(1.0, (centre + half) / scale))


def _expit(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
