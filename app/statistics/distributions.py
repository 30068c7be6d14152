"""Student's t quantile (no SciPy): the regularized incomplete beta by Lentz's continued
fraction, inverted by bisection to full double precision; cached per degrees of freedom."""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

TINY = 1e-300


def _continued_fraction(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > TINY else TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > TINY else TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > TINY else TINY
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return h


def beta_regularized(a: float, b: float, x: float) -> float:
    """I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _continued_fraction(a, b, x) / a
    # the symmetric form, evaluated here: recursing on (b, a, 1 − x) could meet the same
    # boundary test again after rounding and never return
    return 1.0 - math.exp(log_front) * _continued_fraction(b, a, 1.0 - x) / b


def t_upper_tail(t: float, df: float) -> float:
    """P(T > t) for t >= 0."""
    return 0.5 * beta_regularized(df / 2.0, 0.5, df / (df + t * t))


@lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """The p-quantile (p > 0.5) of Student's t with df degrees of freedom (inf: normal)."""
    if math.isinf(df):
        return NormalDist().inv_cdf(p)
    tail = 1.0 - p
    low, high = 0.0, 2.0
    while t_upper_tail(high, df) > tail:
        low, high = high, high * 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if middle in (low, high):
            break
        if t_upper_tail(middle, df) > tail:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


HUGE_SHAPES = 1e8  # a + b: an effective sample size only an SE at rounding level gives


@lru_cache(maxsize=65536)
def beta_quantile(q: float, a: float, b: float) -> float:
    """The q-quantile of Beta(a, b) (R qbeta): 0 when a = 0, 1 when b = 0. Newton's steps on
    I_x(a, b) − q from the normal approximation, kept inside a bracket that shrinks with every
    step (a step that would leave it goes halfway to its end instead)."""
    if a <= 0.0:
        return 0.0
    if b <= 0.0:
        return 1.0
    if a + b > HUGE_SHAPES:  # lgamma of such shapes has no digits left for I_x
        return _cornish_fisher(q, a, b)
    low, high, x = 0.0, 1.0, _normal_start(q, a, b)
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    for _ in range(400):
        if not 0.0 < x < 1.0:  # a quantile closer to 0 or 1 than a double can say
            return min(max(x, 0.0), 1.0)
        excess = beta_regularized(a, b, x) - q
        if excess < 0:
            low = x
        else:
            high = x
        density = math.exp((a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - log_beta)
        step = excess / density if density > 0 else math.inf
        if abs(step) <= 1e-13 * x:  # quadratic: the next step would be < 1e-16
            return x - step
        following = x - step
        if not low < following < high:  # halfway to the bracket's end the step points to
            following = (x + (low if step > 0 else high)) / 2.0
        x = following
    return x


def _normal_start(q: float, a: float, b: float) -> float:
    """A first guess: the normal approximation's quantile, kept inside (0, 1)."""
    mean, total = a / (a + b), a + b
    spread = math.sqrt(a * b / (total * total * (total + 1.0)))
    guess = mean + NormalDist().inv_cdf(q) * spread
    return min(max(guess, mean / 2.0), (1.0 + mean) / 2.0)


def _cornish_fisher(q: float, a: float, b: float) -> float:
    """Beta(a, b)'s quantile for huge a + b: the normal quantile with the skewness term
    (error of order sd/(a + b), far below 1e-8 of the quantile)."""
    total = a + b
    mean = a / total
    sd = math.sqrt(a * b / (total * total * (total + 1.0)))
    skew = 2.0 * (b - a) * math.sqrt(total + 1.0) / ((total + 2.0) * math.sqrt(a * b))
    z = NormalDist().inv_cdf(q)
    return min(max(mean + sd * (z + skew * (z * z - 1.0) / 6.0), 0.0), 1.0)
