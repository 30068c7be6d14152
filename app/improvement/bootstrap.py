"""Intervals of the key-driver importances: a design-based (Rao–Wu rescaling) bootstrap.

Each replicate draws n_h − 1 of the n_h PSUs of every stratum with replacement (numpy's
``default_rng`` seeded with (round id, unit id), PSUs numbered by their first response id in
the order read, so the same responses give the same intervals); a response's weight is
multiplied by (n_h / (n_h − 1)) · (times its PSU was drawn), as R's
``as.svrepdesign(type = "subbootstrap")`` does. The Shapley decomposition is redone on every
replicate and the interval is the 2.5 % and 97.5 % percentiles of the replicates' shares
(numpy's default linear interpolation, R's ``quantile(type = 7)``).

Strata and PSUs are the round's (app.statistics.design): strata by unit, by the response's
``stratum`` column or by the ancestor at a level, PSUs by the ``psu`` column or counter-day,
else each response. Limits: a stratum with a single PSU adds no variation (its factor is 1),
so intervals are too narrow when many strata have one PSU; calibrated (raked) weights are
taken as fixed (not re-raked per replicate); with fewer than 10 complete responses per
predictor, or fewer than MIN_PSUS PSUs, no interval is given (percentiles of a few dozen
resamples of a tiny sample are not a 95 % interval); a subsampled group (more than
drivers.MAX_RESPONSES responses) is resampled within the subsample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.improvement.shapley import shapley, weighted_correlation

REPLICATES = 100  # enough for 2.5/97.5 % percentiles to 2 significant digits; worker time
MIN_PSUS = 20  # fewer PSUs: no interval
LEVEL = 0.95
METHOD = (
    "design-based Rao–Wu rescaling bootstrap (n_h − 1 PSUs drawn per stratum, R "
    "as.svrepdesign(type='subbootstrap')), {replicates} replicates, seed ({round}, {unit}); "
    "95% percentile interval of the replicates' Shapley shares"
)


@dataclass(frozen=True)
class Interval:
    low: np.ndarray
    high: np.ndarray
    replicates: int
    seed: tuple[int, int]


def factors(
    strata: np.ndarray, psus: np.ndarray, replicates: int, seed: tuple[int, int]
) -> np.ndarray:
    """Replicate weight factors (responses × replicates). ``strata`` and ``psus``: integer
    codes per response (PSU codes unique across strata), numbered in order of first
    appearance."""
    rng = np.random.default_rng(list(seed))
    out = np.ones((len(psus), replicates))
    for h in np.unique(strata):
        rows = np.flatnonzero(strata == h)
        labels, at = np.unique(psus[rows], return_inverse=True)
        n = len(labels)
        if n < 2:  # a single PSU: no variation from this stratum
            continue
        drawn = rng.integers(0, n, size=(replicates, n - 1))
        counts = np.zeros((replicates, n))
        np.add.at(counts, (np.arange(replicates)[:, None], drawn), 1.0)
        out[rows] = (counts * (n / (n - 1))).T[at]
    return out


def codes(keys: Sequence[object]) -> np.ndarray:
    """Integer codes of ``keys`` in order of first appearance."""
    seen: dict[object, int] = {}
    return np.array([seen.setdefault(k, len(seen)) for k in keys], dtype=np.int64)


def importance_interval(
    data: np.ndarray,
    weights: np.ndarray,
    strata: np.ndarray,
    psus: np.ndarray,
    seed: tuple[int, int],
    replicates: int = REPLICATES,
) -> Interval:
    """The percentile interval of each predictor's share (``data``: outcome first)."""
    f = factors(strata, psus, replicates, seed)
    shares = np.array(
        [shapley(weighted_correlation(data, weights * f[:, r])) for r in range(replicates)]
    )
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(shares, [tail, 100 - tail], axis=0)
    return Interval(low, high, replicates, seed)
