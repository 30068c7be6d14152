"""Shapley decomposition of a weighted least-squares R² (LMG, Lindeman–Merenda–Gold).

From the weighted correlation matrix of the outcome and k predictors, R²(S) of every subset S
of predictors is c_S' R_SS⁻¹ c_S (batched solves per subset size), and predictor j's share is
Σ_{S ∌ j} |S|!(k−|S|−1)!/k! · (R²(S ∪ j) − R²(S)). The shares sum to the full R². This is
what R's relaimpo::calc.relimp(type = "lmg") computes for a weighted lm.
"""

from __future__ import annotations

from math import factorial

import numpy as np

MAX_EXACT = 16  # 2^16 subsets: tens of milliseconds; more → group predictors (see drivers)


def weighted_correlation(data: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted Pearson correlations of the columns of ``data`` (rows: observations)."""
    w = weights / weights.sum()
    centred = data - w @ data
    cov = (centred * w[:, None]).T @ centred
    sd = np.sqrt(np.diag(cov))
    sd[sd == 0] = np.inf  # a constant column correlates with nothing
    return np.asarray(cov / np.outer(sd, sd))


def subset_r2(corr: np.ndarray) -> np.ndarray:
    """R² of every subset of predictors, indexed by bitmask (corr: outcome first).

    Subsets are grown one predictor at a time (a larger index appended), bordering the
    inverse of the parent's correlation block: R²(S ∪ j) = R²(S) + t² / s with
    s = 1 − b'A⁻¹b and t = c_j − b'A⁻¹c_S (b = R[S, j], A = R[S, S]), batched per size.
    A predictor collinear with S (s ≈ 0) adds nothing.
    """
    k = corr.shape[0] - 1
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    r2 = np.zeros(1 << k)
    members = np.zeros((1, 0), dtype=np.int64)
    inverse = np.zeros((1, 0, 0))
    fit = np.zeros(1)
    last = np.full(1, -1)
    for _size in range(1, k + 1):
        grown = [g for j in range(k) if (g := _grow(j, members, inverse, fit, last, rxx, rxy))]
        members = np.concatenate([g[0] for g in grown])
        inverse = np.concatenate([g[1] for g in grown])
        fit = np.concatenate([g[2] for g in grown])
        last = members[:, -1]
        r2[(1 << members).sum(axis=1)] = fit
    return r2


def _grow(
    j: int,
    members: np.ndarray,
    inverse: np.ndarray,
    fit: np.ndarray,
    last: np.ndarray,
    rxx: np.ndarray,
    rxy: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The subsets S ∪ {j} of every parent S whose largest member is below j."""
    keep = last < j
    if not keep.any():
        return None
    sub, inv, before = members[keep], inverse[keep], fit[keep]
    b = rxx[sub, j]
    u = np.einsum("mij,mj->mi", inv, b)
    schur = 1.0 - np.einsum("mi,mi->m", b, u)
    t = rxy[j] - np.einsum("mi,mi->m", u, rxy[sub])
    ok = schur > 1e-10
    safe = np.where(ok, schur, 1.0)
    gain = np.where(ok, t * t / safe, 0.0)
    n, s = sub.shape
    grown = np.zeros((n, s + 1, s + 1))
    scale = np.where(ok, 1.0 / safe, 0.0)
    grown[:, :s, :s] = inv + np.einsum("mi,mj->mij", u, u) * scale[:, None, None]
    grown[:, :s, s] = -u * scale[:, None]
    grown[:, s, :s] = -u * scale[:, None]
    grown[:, s, s] = scale
    children = np.concatenate([sub, np.full((n, 1), j)], axis=1)
    return children, grown, before + gain


def shapley(corr: np.ndarray) -> np.ndarray:
    """Each predictor's Shapley share of R² (sums to the full model's R²)."""
    k = corr.shape[0] - 1
    r2 = subset_r2(corr)
    masks = np.arange(1 << k)
    sizes = np.array([bin(m).count("1") for m in masks])
    weight = np.array([factorial(s) * factorial(k - s - 1) / factorial(k) for s in range(k)])
    shares = np.zeros(k)
    for j in range(k):
        without = masks[(masks >> j) & 1 == 0]
        shares[j] = (weight[sizes[without]] * (r2[without | (1 << j)] - r2[without])).sum()
    return shares
