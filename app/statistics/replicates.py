"""Replicate-weight variance (#14 point 5, the numeric core): jackknife (JK1, JKn) and the
Rao–Wu rescaling bootstrap, as R's survey package defines them, and the standard errors of
criterion ratios and their linear combinations (element and overall indices) for any set of
domains, and the rank of a domain's replicate weights (R's degf). Wired into rounds by
app.statistics.calibrated.replicate_layout (docs/statistics.md, "Replicate weights").

Factors are per PSU (every response of a PSU shares them), replicate r's weight of response i
being w_i·f_{psu(i), r}:

- ``jk1`` (no strata; R ``as.svrepdesign(des, type = "JK1")``): one replicate per PSU, factor 0
  for the dropped PSU and n/(n − 1) for the others; scale (n − 1)/n, rscales 1.
- ``jkn`` (strata; R ``as.svrepdesign(des, type = "JKn")``): one replicate per PSU j of
  stratum h, factor 0 for j, n_h/(n_h − 1) for the other PSUs of h, 1 elsewhere; scale 1,
  rscales (n_h − 1)/n_h. A stratum with one PSU is refused (R: lonely.psu "fail").
- ``bootstrap`` (Rao and Wu's rescaling bootstrap with n_h − 1 PSUs drawn with replacement
  in each stratum; R ``svrepdesign(repweights = factors, type = "bootstrap",
  combined.weights = FALSE)`` with the exported factors): factor = (times drawn)·n_h/(n_h − 1);
  scale 1/(R − 1), rscales 1.

Variance (R ``svrVar``, survey.replicates.mse = FALSE): v = scale·Σ_r rscale_r·(θ_r − θ̄)², θ̄
the mean of the replicates; replicates whose estimate is undefined (a replicate without an
answer in the domain) are left out, as R's ``na.omit`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("jk1", "jkn", "bootstrap")
JACKKNIFE_LIMIT = 5000  # PSUs: a jackknife has one replicate per PSU


class ReplicateError(ValueError):
    """A design the replicate method cannot serve (said exactly why)."""


@dataclass(frozen=True)
class Replicates:
    kind: str
    factors: np.ndarray  # (R, PSUs): the factor of every PSU in every replicate
    scale: float
    rscales: np.ndarray  # (R,)


def jk1(psus: int) -> Replicates:
    if psus < 2:
        raise ReplicateError("JK1 needs at least 2 PSUs")
    _check_jackknife(psus)
    factors = np.full((psus, psus), psus / (psus - 1.0))
    np.fill_diagonal(factors, 0.0)
    return Replicates("jk1", factors, (psus - 1.0) / psus, np.ones(psus))


def jkn(stratum: np.ndarray) -> Replicates:
    """``stratum``: the stratum number of every PSU."""
    psus = len(stratum)
    _check_jackknife(psus)
    sizes = np.bincount(stratum)
    lonely = np.flatnonzero(sizes == 1)
    if lonely.size:
        raise ReplicateError(
            f"JKn: {lonely.size} strata have a single PSU (none is left when it is dropped); "
            "use linearisation, or collapse them with a neighbour"
        )
    factors = np.ones((psus, psus))  # replicate r drops PSU r
    n_h = sizes[stratum].astype(float)
    same = stratum[:, None] == stratum[None, :]
    factors[same] = np.broadcast_to((n_h / (n_h - 1.0))[:, None], (psus, psus))[same]
    np.fill_diagonal(factors, 0.0)
    return Replicates("jkn", factors, 1.0, (n_h - 1.0) / n_h)


def rao_wu(stratum: np.ndarray, replicates: int, seed: int) -> Replicates:
    """Rao–Wu: in each stratum draw n_h − 1 of its n_h PSUs with replacement, R times."""
    if replicates < 2:
        raise ReplicateError("the bootstrap needs at least 2 replicates")
    sizes = np.bincount(stratum)
    if (sizes == 1).any():
        raise ReplicateError(
            "bootstrap: strata with a single PSU cannot be resampled (n_h − 1 = 0); use "
            "linearisation, or collapse them with a neighbour"
        )
    rng = np.random.default_rng(seed)
    order = np.argsort(stratum, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    counts = np.zeros((replicates, len(stratum)))
    for h, n_h in enumerate(sizes):
        if n_h == 0:
            continue
        members = order[starts[h] : starts[h] + n_h]
        for r in range(replicates):  # one replicate at a time: memory of one draw
            drawn = rng.integers(0, n_h, size=n_h - 1)
            counts[r, members] = np.bincount(drawn, minlength=n_h) * (n_h / (n_h - 1.0))
    return Replicates("bootstrap", counts, 1.0 / (replicates - 1.0), np.ones(replicates))


def _check_jackknife(psus: int) -> None:
    if psus > JACKKNIFE_LIMIT:
        raise ReplicateError(
            f"a jackknife has one replicate per PSU: {psus} PSUs is more than "
            f"{JACKKNIFE_LIMIT}; use the bootstrap (a number of replicates you choose)"
        )


def group_totals(reps: Replicates, x: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """Per group (e.g. unit) the replicate totals Σ_{j in group} f_jr·X_j: (groups, R, 2C).
    ``x``: PSU totals of w·v (PSUs, 2C); ``group``: each PSU's group (PSUs nest in groups)."""
    order = np.argsort(group, kind="stable")
    found, starts = np.unique(group[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    out = np.zeros((groups, reps.factors.shape[0], x.shape[1]))
    factors, values = reps.factors, x
    if (np.diff(group) < 0).any():  # PSUs not in group order: gather them once
        factors, values = factors[:, order], x[order]
    for g, lo, hi in zip(found, starts, ends, strict=True):
        out[g] = factors[:, lo:hi] @ values[lo:hi]
    return out


def variance(reps: Replicates, thetas: np.ndarray) -> np.ndarray:
    """R's svrVar per estimate (columns of ``thetas``: (R, E)), NaN replicates left out."""
    ok = np.isfinite(thetas) & (reps.rscales > 0)[:, None]
    count = ok.sum(axis=0)
    filled = np.where(ok, thetas, 0.0)
    mean = np.divide(
        filled.sum(axis=0), count, out=np.full(thetas.shape[1], np.nan), where=count > 0
    )
    dev = np.where(ok, thetas - mean[None, :], 0.0)
    found: np.ndarray = reps.scale * (reps.rscales[:, None] * dev * dev).sum(axis=0)
    found[count == 0] = np.nan
    return found


def domain_thetas(totals: np.ndarray, a: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Replicate estimates (R, E) of the combinations ``a`` (E, C) of criterion ratios from a
    domain's replicate totals (R, 2C: satisfied then answered); a criterion a replicate has
    no answer to makes the estimates that use it undefined (NaN), as R's ratio 0/0."""
    size = totals.shape[1] // 2
    y, x = totals[:, :size], totals[:, size:]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = y / x
    ratio[:, ~available] = 0.0
    used = a != 0
    thetas: np.ndarray = np.nan_to_num(ratio, nan=0.0, posinf=0.0) @ a.T
    undefined = (~np.isfinite(ratio[:, None, :]) & used[None, :, :]).any(axis=2)
    thetas[undefined] = np.nan
    return thetas


def replicate_rank(reps: Replicates, stratum: np.ndarray, inside: np.ndarray) -> int:
    """The rank of a domain's replicate weights (R's ``degf`` of the subset is this − 1):
    rows w_i·f_{psu(i)}, rows of a PSU proportional, so the rank of the factors of the
    domain's PSUs (``inside``; ``stratum``: each PSU's). JK1: its factors c(J − I) are
    invertible, so k PSUs have rank k. JKn: the rows of a stratum add up to n_h·(1, …, 1),
    so each whole stratum in the domain beyond the first takes one away: k − max(0, whole
    strata − 1). The bootstrap: numerically (``matrix_rank``), first on a few of the
    domain's PSUs (R + 16 of them), which is full rank R in all but degenerate draws
    (then on all of them)."""
    k = int(inside.sum())
    if reps.kind == "jk1":
        return k
    if reps.kind == "jkn":
        sizes = np.bincount(stratum, minlength=1)
        held = np.bincount(stratum[inside], minlength=len(sizes))
        whole = int(((held == sizes) & (sizes > 0)).sum())
        return k - max(0, whole - 1)
    return column_rank(reps.factors, inside)


def column_rank(matrix: np.ndarray, inside: np.ndarray) -> int:
    """The rank of the columns ``inside`` of ``matrix`` (R, columns): first of R + 16 of them,
    which is full rank R in all but degenerate cases (then of all of them, through their Gram
    matrix, in slices)."""
    at = np.flatnonzero(inside)
    count = matrix.shape[0]
    if len(at) > count + 16:
        rank = matrix_rank(matrix[:, at[: count + 16]])
        if rank == count:
            return rank
        gram = np.zeros((count, count))
        for lo in range(0, len(at), 65536):  # a large domain's columns are not copied at once
            part = matrix[:, at[lo : lo + 65536]]
            gram += part @ part.T
        return matrix_rank(gram)
    return matrix_rank(matrix[:, at])


def matrix_rank(matrix: np.ndarray, tol: float = 1e-9) -> int:
    """The rank by Gaussian elimination with partial pivoting (pivots below ``tol`` × the
    largest entry count as 0). Replicate factors are rank-deficient by structure (a PSU never
    drawn, strata adding up), not by rounding, so any tolerance between rounding and R's qr
    tol = 1e-5 finds the same rank; no LAPACK call (a few hundred microseconds where an
    SVD's threads wait for a loaded machine's cores)."""
    a = np.array(matrix if matrix.shape[1] <= matrix.shape[0] else matrix.T, dtype=float)
    if a.size == 0:
        return 0
    limit = tol * float(np.abs(a).max())
    rank = 0
    for c in range(a.shape[1]):
        if rank == a.shape[0]:
            break
        pivot = rank + int(np.argmax(np.abs(a[rank:, c])))
        if abs(a[pivot, c]) <= limit:
            continue
        a[[rank, pivot]] = a[[pivot, rank]]
        below = a[rank + 1 :, c] / a[rank, c]
        a[rank + 1 :, c:] -= below[:, None] * a[rank, c:][None, :]
        rank += 1
    return rank
