"""Weight adjustments on arrays: post-stratification and raking, with optional bounds.

Pure numeric code, free of SQL: the caller gives each response's input weight, its category
per variable (integer codes) and the population totals. The definitions are those of R's
survey package — ``postStratify``; ``rake`` (iterative proportional fitting);
``calibrate(calfun = "raking", bounds = ...)`` — against which tests/weights compare.

Raking with bounds solves, for final weights w_i = d_i·g_i, g_i = clip(exp(Σ_m λ_m[c_im]),
L_i, U_i), the margin equations Σ_{i in category} w_i = total. It cycles over the margins and,
per category, finds the exact λ (S(λ) is monotone and piecewise a + b·e^λ): each step rakes one
margin with the bounds in force, i.e. trim, re-rake, repeat, until every margin is met. The
solution is unique, so any algorithm that converges — R's Newton steps included — finds it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.weights.errors import (
    EmptyCell,
    InconsistentMargins,
    InfeasibleBounds,
    MissingTotal,
    NotConverged,
    WeightingError,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
NO_ANSWER = ""  # the category of a response that did not answer the question


@dataclass(frozen=True)
class Categories:
    """Each response's category of one variable: ``labels[codes[i]]``."""

    variable: str
    labels: tuple[str, ...]
    codes: IntArray

    @classmethod
    def of(cls, variable: str, values: Sequence[str]) -> Categories:
        labels = tuple(sorted(set(values)))
        index = {label: i for i, label in enumerate(labels)}
        codes = np.fromiter((index[v] for v in values), dtype=np.intp, count=len(values))
        return cls(variable, labels, codes)

    def counts(self) -> IntArray:
        return np.bincount(self.codes, minlength=len(self.labels))

    def sums(self, weights: FloatArray) -> FloatArray:
        sums = np.bincount(self.codes, weights=weights, minlength=len(self.labels))
        return sums.astype(np.float64, copy=False)


@dataclass(frozen=True)
class Margin(Categories):
    """Categories with their population totals (every category has respondents)."""

    totals: FloatArray


def shown(label: str) -> str:
    return label if label != NO_ANSWER else "(no answer)"


def _listed(items: Sequence[str]) -> str:
    more = f" and {len(items) - 5} more" if len(items) > 5 else ""
    return ", ".join(items[:5]) + more


def margin(categories: Categories, totals: Mapping[str, float]) -> Margin:
    """Attach totals; refuse respondents without a total and totals without respondents."""
    var, counts = categories.variable, categories.counts()
    described = [
        (label, f"{shown(label)} ({n} response{'s' if n != 1 else ''})")
        for label, n in zip(categories.labels, counts, strict=True)
    ]
    lacking = [text for label, text in described if label not in totals]
    if lacking:
        raise MissingTotal(
            f"{var}: respondents in categories without a population total: " + _listed(lacking)
        )
    nothing = [text for label, text in described if totals[label] <= 0]
    if nothing:
        raise MissingTotal(
            f"{var}: categories with a population total of 0 or less have respondents: "
            f"{_listed(nothing)}; weights cannot make their sum 0 (R's rake() and "
            "calibrate() fail there too): give the category its true total or collapse it "
            "with a neighbour"
        )
    present = set(categories.labels)
    empty = [shown(label) for label, total in totals.items() if total > 0 and label not in present]
    if empty:
        raise EmptyCell(
            f"{var}: no respondents in categories that have a population total: "
            f"{_listed(sorted(empty))}; collapse them with a neighbour"
        )
    values = np.array([totals[label] for label in categories.labels], dtype=np.float64)
    return Margin(var, categories.labels, categories.codes, values)


def check_positive(weights: FloatArray, what: str = "base weights") -> None:
    if weights.size and not (np.all(np.isfinite(weights)) and np.all(weights > 0)):
        raise WeightingError(f"{what} must be positive and finite")


def poststratify(weights: FloatArray, cells: Margin) -> FloatArray:
    """w_i · N_c / Σ_{j in c} w_j: each cell's weights add up to its total."""
    return weights * (cells.totals / cells.sums(weights))[cells.codes]


def check_consistent(margins: Sequence[Margin]) -> None:
    """Every margin must add up to the same population."""
    totals = [float(m.totals.sum()) for m in margins]
    if totals and max(totals) - min(totals) > 1e-9 * max(totals):
        listed = ", ".join(f"{m.variable} {t:.10g}" for m, t in zip(margins, totals, strict=True))
        gap = (max(totals) - min(totals)) / min(totals) if min(totals) > 0 else math.inf
        raise InconsistentMargins(
            f"margins add up to different populations ({listed}): they must be equal. Each "
            "margin is a count of the same population, and raking meets the margins in turn, "
            f"so with totals {gap:.2%} apart no weights can meet them all (R's rake() iterates "
            "to its limit and warns that it did not converge); rescale the margins to one "
            "population total"
        )


def misfit(weights: FloatArray, margins: Sequence[Margin]) -> float:
    """The largest relative gap between a category's weight sum and its total."""
    gaps = [np.max(np.abs(m.sums(weights) - m.totals) / m.totals) for m in margins]
    return float(max(gaps, default=0.0))


@dataclass(frozen=True)
class Bounds:
    """Per response, the lowest and highest allowed ratio g of final to input weight."""

    lower: FloatArray
    upper: FloatArray


@dataclass(frozen=True)
class Raked:
    weights: FloatArray
    iterations: int


def rake(
    weights: FloatArray,
    margins: Sequence[Margin],
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
    bounds: Bounds | None = None,
) -> Raked:
    """Adjust ``weights`` until every margin's categories add up to their totals."""
    check_consistent(margins)
    if bounds is None:
        return _ipf(weights, margins, tolerance, max_iterations)
    _check_bounds(weights, margins, bounds)
    return _bounded(weights, margins, bounds, tolerance, max_iterations)


def _not_converged(gap: float, tolerance: float, iterations: int, bounded: bool) -> NotConverged:
    hint = "; the trimming bounds may be too tight" if bounded else ""
    return NotConverged(
        f"raking did not meet the margins within {tolerance:g} ({iterations} iterations, "
        f"largest relative gap {gap:.3g}){hint}"
    )


class _Watch:
    """Stops early when the gap no longer shrinks (an impossible problem plateaus)."""

    WINDOW = 100

    def __init__(self, tolerance: float, cap: int, bounded: bool) -> None:
        self.tolerance, self.cap, self.bounded = tolerance, cap, bounded
        self.gaps: list[float] = []

    def done(self, weights: FloatArray, margins: Sequence[Margin]) -> bool:
        gap = misfit(weights, margins)
        self.gaps.append(gap)
        if gap <= self.tolerance:
            return True
        n = len(self.gaps)
        stalled = n > self.WINDOW and gap > 0.999 * self.gaps[n - 1 - self.WINDOW]
        if n >= self.cap or stalled:
            raise _not_converged(gap, self.tolerance, n, self.bounded)
        return False


def _ipf(weights: FloatArray, margins: Sequence[Margin], tol: float, cap: int) -> Raked:
    w, watch = weights.copy(), _Watch(tol, cap, bounded=False)
    while True:
        for m in margins:
            w *= (m.totals / m.sums(w))[m.codes]
        if watch.done(w, margins):
            return Raked(w, len(watch.gaps))


def _check_bounds(weights: FloatArray, margins: Sequence[Margin], bounds: Bounds) -> None:
    """A category whose totals lie outside [Σ d·L, Σ d·U] can never be met."""
    for m in margins:
        low, high = m.sums(weights * bounds.lower), m.sums(weights * bounds.upper)
        out = [
            shown(label)
            for label, lo, hi, total in zip(m.labels, low, high, m.totals, strict=True)
            if total < lo * (1 - 1e-12) or total > hi * (1 + 1e-12)
        ]
        if out:
            raise InfeasibleBounds(
                f"{m.variable}: within the trimming bounds, categories {_listed(out)} "
                "cannot reach their totals; widen the bounds"
            )


def _members(m: Margin) -> list[IntArray]:
    order = np.argsort(m.codes, kind="stable")
    return np.split(order, np.cumsum(m.counts())[:-1])


def _bounded(
    weights: FloatArray, margins: Sequence[Margin], bounds: Bounds, tol: float, cap: int
) -> Raked:
    with np.errstate(divide="ignore"):
        log_low, log_high = np.log(bounds.lower), np.log(bounds.upper)
    groups = [_members(m) for m in margins]
    lambdas = [np.zeros(len(m.labels)) for m in margins]
    eta, watch = np.zeros(weights.size), _Watch(tol, cap, bounded=True)
    while True:
        for m, members, lam in zip(margins, groups, lambdas, strict=True):
            for k, idx in enumerate(members):
                rest = eta[idx] - lam[k]
                d = weights[idx]
                lam[k] = _solve(d, rest, log_low[idx], log_high[idx], bounds, idx, m.totals[k])
                eta[idx] = rest + lam[k]
        w = weights * np.clip(np.exp(eta), bounds.lower, bounds.upper)
        if watch.done(w, margins):
            return Raked(w, len(watch.gaps))


def _solve(
    d: FloatArray,
    rest: FloatArray,
    log_low: FloatArray,
    log_high: FloatArray,
    bounds: Bounds,
    idx: IntArray,
    target: float,
) -> float:
    """λ with Σ d_i·clip(exp(λ + rest_i), L_i, U_i) = target (S is a + b·e^λ piecewise)."""
    low, high = d * bounds.lower[idx], d * bounds.upper[idx]
    slope = d * np.exp(rest)
    # At λ = log L_i - rest_i response i leaves its lower bound; at log U_i - rest_i it
    # reaches its upper one. Between two such points S(λ) = C + D·e^λ.
    points = np.concatenate([log_low - rest, log_high - rest])
    order = np.argsort(points, kind="stable")
    points = points[order]
    c = float(low.sum()) + np.cumsum(np.concatenate([-low, high])[order])
    dd = np.cumsum(np.concatenate([slope, -slope])[order])
    ends = np.append(points[1:], np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        at_end = np.where(dd > 0, c + dd * np.exp(ends), c)
    reached = np.flatnonzero(at_end >= target)
    if reached.size == 0:  # rounding: the total is the sum of the upper bounds
        return float(points[-1])
    j = int(reached[0])
    if dd[j] <= 0 or target <= c[j]:
        return float(points[j])
    return float(np.clip(np.log((target - c[j]) / dd[j]), points[j], ends[j]))
