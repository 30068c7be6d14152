"""The pooled rule of an instrument's elements and overall: Σ satisfied / Σ answered over the
criteria it covers (a ratio estimator, every valid answer counting once), beside the mean of
criteria. Its linearised variable is z_i = w_i·(Σ_c y_ic − θ·Σ_c x_ic)/X, X = Σ_c X_c: a row
b = (1/X, −θ/X) on the criteria's (y_c, x_c) totals, so the engine's variance, design effect
and interval apply unchanged. In R: ``svyratio(~I(sat_1 + … + sat_k), ~I(ans_1 + … + ans_k),
sub)`` over the criteria answered in the domain.

An overall that is a mean (or weighted mean) of pooled elements combines their rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.forms.schema import Instrument


@dataclass
class Rows:
    """Every estimate's gradient b (rows: criteria, elements, overall; columns: y then x),
    point (0–1) and unweighted share; ``pooled``: the rows the pooled rule computed."""

    b: np.ndarray
    points: np.ndarray
    shares: np.ndarray
    pooled: np.ndarray


@dataclass(frozen=True)
class Totals:
    """A domain's per-criterion totals: weighted satisfied and answered, their counts."""

    y: np.ndarray
    x: np.ndarray
    satisfied: np.ndarray
    answered: np.ndarray


def apply_pooled(instrument: Instrument, totals: Totals, rows: Rows) -> None:
    """Replace the element and overall rows that the instrument pools (in place)."""
    rule = instrument.aggregation
    size, count = len(totals.x), len(instrument.elements)
    members = _members(instrument, totals.x > 0)
    if rule.element == "pooled":
        for i in range(count):
            if members[i].any():
                _set(rows, size + i, members[i], totals)
        if rule.overall in ("mean_of_elements", "weighted_elements"):
            weights = _element_weights(instrument, members)
            if weights.sum() > 0:
                share = weights / weights.sum()
                at = slice(size, size + count)
                rows.b[-1] = share @ rows.b[at]
                rows.points[-1] = share @ rows.points[at]
                rows.shares[-1] = share @ rows.shares[at]
                rows.pooled[-1] = True
    if rule.overall == "pooled" and (totals.x > 0).any():
        _set(rows, len(rows.points) - 1, totals.x > 0, totals)


def _set(rows: Rows, row: int, members: np.ndarray, totals: Totals) -> None:
    x = totals.x[members].sum()
    theta = totals.y[members].sum() / x
    size = len(totals.x)
    rows.b[row] = 0.0
    rows.b[row, :size][members] = 1.0 / x
    rows.b[row, size:][members] = -theta / x
    rows.points[row] = theta
    answered = totals.answered[members].sum()
    rows.shares[row] = totals.satisfied[members].sum() / answered if answered else 0.0
    rows.pooled[row] = True


def _members(instrument: Instrument, available: np.ndarray) -> np.ndarray:
    """Per element: its criteria answered in the domain."""
    codes = [q.element for q in instrument.criteria]
    membership = np.array([[c == e.code for c in codes] for e in instrument.elements])
    found: np.ndarray = membership & available
    return found


def _element_weights(instrument: Instrument, members: np.ndarray) -> np.ndarray:
    rule = instrument.aggregation
    return np.array(
        [
            (rule.weights[e.code] if rule.overall == "weighted_elements" else 1.0)
            if members[i].any()
            else 0.0
            for i, e in enumerate(instrument.elements)
        ]
    )


def pooled_zeros(
    rows: Rows, coefficients: np.ndarray, totals: Totals, psus: np.ndarray
) -> np.ndarray:
    """Pooled rows whose variance is exactly 0: every criterion they cover has all its
    answers satisfied, or every one has none, or all their answers are in one PSU
    (``psus``: per row, the PSUs with an answer to a criterion it covers)."""
    covers = coefficients != 0
    full = totals.satisfied == totals.answered
    empty = totals.satisfied == 0
    every_full = (covers & ~full[None, :]).sum(axis=1) == 0
    every_empty = (covers & ~empty[None, :]).sum(axis=1) == 0
    zero: np.ndarray = rows.pooled & (every_full | every_empty | (psus <= 1))
    return zero


def replicate_pooled(
    instrument: Instrument,
    totals: np.ndarray,
    available: np.ndarray,
    thetas: np.ndarray,
    rows: Rows,
) -> None:
    """The replicate estimates (R, E) of the rows the instrument pools, in place, from a
    domain's replicate totals (R, 2C: satisfied then answered): a pooled element's
    Σ_c Y_cr / Σ_c X_cr, the (weighted) mean of those, or the pooled overall; NaN where a
    replicate has no answer to pool (R's 0/0, left out as its na.omit)."""
    if not rows.pooled.any():
        return
    size = len(available)
    y, x = totals[:, :size], totals[:, size:]
    members = _members(instrument, available)
    with np.errstate(divide="ignore", invalid="ignore"):
        element = (y @ members.T) / (x @ members.T)  # (R, elements)
        pooled_all = y[:, available].sum(axis=1) / x[:, available].sum(axis=1)
    element[~np.isfinite(element)] = np.nan
    rule = instrument.aggregation
    if rule.element == "pooled":
        has = members.any(axis=1)
        for i in np.flatnonzero(has):
            thetas[:, size + i] = element[:, i]
        if rule.overall in ("mean_of_elements", "weighted_elements"):
            weights = _element_weights(instrument, members)
            if weights.sum() > 0:
                thetas[:, -1] = element[:, has] @ (weights[has] / weights.sum())
    if rule.overall == "pooled" and available.any():
        thetas[:, -1] = np.where(np.isfinite(pooled_all), pooled_all, np.nan)
