"""Design-based shares of a question's options (HTTP-free).

The share of option o among the respondents to a question is the ratio R_o = Y_o / X,
Y_o = Σ w·[chose o], X = Σ w·[answered] (a level, an option of a single choice, or an option
of a multiple choice read as yes/no among the respondents). Its linearised variable is
z = w·(y_o − R_o·x)/X, the same as a criterion's (app.statistics.inference): the variance,
interval, design effect and degrees of freedom come from the same functions, with v = (y, x)
per option and the PSU sums Σ_j Y_j², Σ_j Y_j·X_j, Σ_j X_j² read per cell (unit, stratum key).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.statistics.design import Strata
from app.statistics.inference import Estimate, design_variance, estimate_of, quadratic

N, SUM, SQUARES, CROSS = range(4)
PSUS = 3

OptionKey = float | str  # a stored value (level, number) or a text (option, 'na')


@dataclass
class QuestionCells:
    """One question's sums per cell of the round (zeros outside the domain).

    ``respondents``: (K, 4) n, Σw, Σ_j X_j², PSUs with an answer; ``options``: per option
    (K, 4) n, Σw·y, Σ_j Y_j², Σ_j Y_j·X_j."""

    respondents: np.ndarray
    options: dict[OptionKey, np.ndarray]


def share_estimates(
    cells: QuestionCells, strata: Strata, keys: list[OptionKey], ci: str = "logit"
) -> dict[OptionKey, Estimate]:
    """The weighted share (percent) of each option in ``keys`` among the respondents, with
    its SE, interval (``ci``: app.statistics.intervals), design effect and df under the
    round's design (single-PSU strata as its lonely_psu says)."""
    if not keys:
        return {}
    size = len(keys)
    n, x, gxx, psus = cells.respondents.T
    zero = np.zeros_like(cells.respondents)
    options = np.stack([cells.options.get(k, zero) for k in keys])
    respondents, weight = float(n.sum()), float(x.sum())
    y = options[:, :, SUM].sum(axis=1)
    ratio = y / weight if weight else np.zeros(size)
    ratio[(counts_of(options) == respondents) & (weight > 0)] = 1.0  # not 1 − 1e-16
    scale = strata.scale[strata.of_cell]
    diag, last = np.arange(size), size
    gram = np.zeros((size + 1, size + 1))
    s1 = np.zeros_like(gram)
    gram[diag, diag] = options[:, :, SQUARES] @ scale
    gram[diag, last] = gram[last, diag] = options[:, :, CROSS] @ scale
    gram[last, last] = gxx @ scale
    # Σ_i w·v·v' for binary y ≤ x: y·y = y·x = y, x·x = x
    s1[diag, diag] = s1[diag, last] = s1[last, diag] = y
    s1[last, last] = weight
    totals = np.zeros((len(strata.centre), size + 1))
    np.add.at(totals, strata.of_cell, np.column_stack([options[:, :, SUM].T, x]))
    b = np.zeros((size, size + 1))
    if weight:
        b[diag, diag] = 1.0 / weight
        b[:, last] = -ratio / weight
    present = np.zeros(len(strata.centre))
    np.add.at(present, strata.of_cell, n)
    variance = design_variance(b, gram, totals, strata.centre)
    counts = counts_of(options)
    # exactly 0: a share of 0 or 100, or every answer in one PSU (z sums to 0 in it)
    variance[(counts == 0) | (counts == respondents) | (psus.sum() <= 1)] = 0.0
    variance *= strata.lonely_factor(present > 0)
    srs = quadratic(b, s1)
    df = psus.sum() - len(np.unique(strata.of_cell[psus > 0]))
    return {
        key: estimate_of(
            weight > 0,
            float(ratio[i]),
            float(counts[i] / respondents) if respondents else 0.0,
            respondents,
            weight,
            float(variance[i]),
            float(srs[i]),
            float(df),
            ci,
        )
        for i, key in enumerate(keys)
    }


def counts_of(options: np.ndarray) -> np.ndarray:
    """Each option's count of respondents (a share of 0 or 100 has variance exactly 0)."""
    counts: np.ndarray = options[:, :, N].sum(axis=1)
    return counts
