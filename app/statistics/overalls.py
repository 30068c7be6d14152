"""The overall index of many disjoint domains at once (a ranking of thousands of units).

``Engine.domain`` estimates every criterion, element and overall of one domain: ~1 ms of
numpy calls, 4 s for 4,000 counters. A ranking needs only each domain's overall index with
its SE, interval, design effect and df; here they are computed for all domains together
(arrays over domains × criteria; sums over cells by domain; quadratic forms on the pooled
pair sums), by the same formulas as ``Engine.domain`` (app.statistics.inference), so each
figure equals its single-domain value up to the order of floating-point sums (checked to
1e-12 by tests/statistics/test_overalls.py).

Cases computed one domain at a time instead (``Engine.domain``): calibrated (raked) or
replicate variance, instruments that pool the overall, single-PSU strata under "average" or
"fail", split engines, and domains that overlap or cut through a group of cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.statistics.cellstore import Layout
from app.statistics.inference import (
    N_SAT,
    SW,
    SW_SAT,
    DomainEstimates,
    Engine,
    Estimate,
    N,
    combinations,
    estimate_of,
)
from app.statistics.sufficient import CellPairs


@dataclass(frozen=True)
class Overall:
    """A domain's respondents, their weight and its overall estimate."""

    respondents: int
    weight: float
    estimate: Estimate

    @classmethod
    def of(cls, found: DomainEstimates) -> Overall:
        return cls(found.respondents, found.weight, found.overall)


def overalls(engine: Engine, domains: Sequence[set[int]]) -> list[Overall]:
    """The overall estimate of each domain (a set of units), as ``engine.domain`` gives it."""
    cell_domain = _cell_domains(engine, domains)
    if cell_domain is None or not _vectorised(engine):
        return [Overall.of(engine.domain(d)) for d in domains]
    group_of = _domain_groups(engine, cell_domain, len(domains))
    if group_of is None:
        return [Overall.of(engine.domain(d)) for d in domains]
    return _overalls(engine, cell_domain, group_of, len(domains))


def overall_points(engine: Engine, domains: Sequence[set[int]]) -> list[float | None]:
    """Each domain's overall index (percent; None without data), as
    ``engine.points(domain).overall.index`` gives it: the previous round's own ranking."""
    cell_domain = _cell_domains(engine, domains)
    if cell_domain is None or _pooled(engine) or not len(domains):
        return [engine.points(d).overall.index for d in domains]
    t, m, size = engine.stats.t, engine.m, engine.size
    x = _by_domain(t[:, :size, SW] * m[:, None], cell_domain, len(domains))
    y = _by_domain(t[:, :size, SW_SAT] * m[:, None], cell_domain, len(domains))
    answered = _by_domain(t[:, :size, N], cell_domain, len(domains))
    satisfied = _by_domain(t[:, :size, N_SAT], cell_domain, len(domains))
    available = x > 0
    ratio = np.divide(y, x, out=np.zeros_like(y), where=available)
    ratio[available & (satisfied == answered)] = 1.0
    a = _overall_rows(engine, available)
    points = (100.0 * (a * ratio).sum(axis=1)).tolist()
    has = (a != 0).any(axis=1).tolist()
    return [p if h else None for p, h in zip(points, has, strict=True)]


def _pooled(engine: Engine) -> bool:
    """Whether the instrument pools the overall (app.statistics.pooled replaces its row)."""
    rule = engine.instrument.aggregation
    return rule.overall == "pooled" or (
        rule.element == "pooled" and rule.overall in ("mean_of_elements", "weighted_elements")
    )


def _vectorised(engine: Engine) -> bool:
    pooled = _pooled(engine)
    strata = engine.strata
    lonely = bool(strata.lonely.any()) and strata.lonely_psu in ("average", "fail")
    return (
        engine.stats.paired
        and (engine.stats.pooled is not None or engine.stats.source is not None)
        and engine.calibration is None
        and engine.replicates is None
        and not engine.categories
        and not pooled
        and not lonely
    )


def _cell_domains(engine: Engine, domains: Sequence[set[int]]) -> np.ndarray | None:
    """The domain of every cell (-1: none); None when two domains share a unit."""
    domain_of: dict[int, int] = {}
    for d, units in enumerate(domains):
        for unit in units:
            if domain_of.setdefault(unit, d) != d:
                return None
    return np.array([domain_of.get(int(u), -1) for u in engine.units.tolist()], dtype=int)


def _domain_groups(engine: Engine, cell_domain: np.ndarray, count: int) -> np.ndarray | None:
    """The group of cells of each domain (-1: no cells); None unless every domain's cells
    are exactly one group."""
    group = engine.stats.group
    assert group is not None
    inside = cell_domain >= 0
    group_of = np.full(count, -1)
    group_of[cell_domain[inside]] = group[inside]
    if (group[inside] < 0).any() or (group[inside] != group_of[cell_domain[inside]]).any():
        return None
    used = group_of[group_of >= 0]
    if len(np.unique(used)) != len(used) or np.isin(group[~inside], used).any():
        return None
    return group_of


def _by_domain(values: np.ndarray, cell_domain: np.ndarray, count: int) -> np.ndarray:
    """Σ over the cells of each domain (cells in order, as ``Engine.domain`` sums them)."""
    out = np.zeros((count, *values.shape[1:]))
    inside = cell_domain >= 0
    np.add.at(out, cell_domain[inside], values[inside])
    return out


def _overalls(
    engine: Engine, cell_domain: np.ndarray, group_of: np.ndarray, count: int
) -> list[Overall]:
    stats, m, size = engine.stats, engine.m, engine.size
    t = stats.t
    n = _by_domain(t[..., N], cell_domain, count)
    weight = _by_domain(t[..., SW] * m[:, None], cell_domain, count)
    y = _by_domain(t[:, :size, SW_SAT] * m[:, None], cell_domain, count)
    satisfied = _by_domain(t[:, :size, N_SAT], cell_domain, count)
    x, answered = weight[:, :size], n[:, :size]
    available = x > 0
    ratio = np.divide(y, x, out=np.zeros_like(y), where=available)
    ratio[available & (satisfied == answered)] = 1.0
    share = np.divide(satisfied, answered, out=np.zeros_like(y), where=answered > 0)
    a = _overall_rows(engine, available)
    b = np.concatenate(
        [
            np.divide(a, x, out=np.zeros_like(a), where=available),
            -np.divide(a * ratio, x, out=np.zeros_like(a), where=available),
        ],
        axis=1,
    )
    points, shares = (a * ratio).sum(axis=1), (a * share).sum(axis=1)
    variance, srs, df = _variances(engine, cell_domain, group_of, b, count)
    psus = _by_domain(stats.psus[:, :size], cell_domain, count)
    still = (satisfied == 0) | (satisfied == answered) | (psus <= 1)
    variance[((a != 0) & ~still).sum(axis=1) == 0] = 0.0  # Engine._exact_zeros
    has = (a != 0).any(axis=1).tolist()
    # Python floats: estimate_of's scalar arithmetic is several times slower on numpy scalars
    figures = zip(
        has,
        points.tolist(),
        shares.tolist(),
        n[:, engine.any].tolist(),
        weight[:, engine.any].tolist(),
        variance.tolist(),
        srs.tolist(),
        df.tolist(),
        strict=True,
    )
    ci = engine.design.ci
    return [
        Overall(int(count_), weight_, estimate_of(h, p, s, count_, weight_, v, q, f, ci))
        for h, p, s, count_, weight_, v, q, f in figures
    ]


def _overall_rows(engine: Engine, available: np.ndarray) -> np.ndarray:
    """The overall's coefficients over the criteria of each domain (one computation per
    pattern of criteria with data)."""
    if available.shape[1] <= 62:  # each pattern one integer: a fast unique
        bits = available.astype(np.int64) << np.arange(available.shape[1], dtype=np.int64)
        _, first, inverse = np.unique(bits.sum(axis=1), return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(available, axis=0, return_index=True, return_inverse=True)
    rows = np.array([combinations(engine.instrument, available[k])[-1] for k in first])
    found: np.ndarray = rows[inverse.reshape(-1)]
    return found


def pair_coefficients(b: np.ndarray, layout: Layout) -> np.ndarray:
    """(D, P, 4) such that Σ_p,k coef[d, p, k]·sums[d, p, k] = b_d'·M_d·b_d, M_d the 2C×2C
    matrix of pair sums (Σ x_i·x_j, Σ y_i·x_j, Σ x_i·y_j, Σ y_i·y_j) per pair i <= j as
    app.statistics.sufficient places them, without building the matrices."""
    size = b.shape[1] // 2
    i, j = layout.i, layout.j
    twice = np.where(i == j, 1.0, 2.0)
    by_i, bx_i = b[:, :size][:, i] * twice, b[:, size:][:, i] * twice
    by_j, bx_j = b[:, :size][:, j], b[:, size:][:, j]
    coef = np.empty((len(b), len(i), 4))
    np.multiply(bx_i, bx_j, out=coef[..., 0])
    np.multiply(by_i, bx_j, out=coef[..., 1])
    np.multiply(bx_i, by_j, out=coef[..., 2])
    np.multiply(by_i, by_j, out=coef[..., 3])
    return coef


def _cell_quadratics(
    source: CellPairs, cell_domain: np.ndarray, b: np.ndarray, layout: Layout, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per domain Σ over its cells of multiplier × b'·(cell's s and g matrices)·b: what the
    pooled sums give, without the (G, P, 8) copy of every cell's pairs."""
    domain = cell_domain[source.inside]
    keep = np.flatnonzero(domain >= 0)
    coef = pair_coefficients(b[domain[keep]], layout)
    sums = source.sums if len(keep) == len(domain) else source.sums[keep]
    flat = coef.reshape(len(keep), -1)
    found = []
    for half in (0, 1):  # s, then g: each a contiguous block per cell
        per_cell = np.einsum("kq,kq->k", sums[:, half].reshape(len(keep), -1), flat)
        weights = per_cell * source.scale[keep, half]
        found.append(np.bincount(domain[keep], weights=weights, minlength=count))
    return found[0], found[1]


def _variances(
    engine: Engine, cell_domain: np.ndarray, group_of: np.ndarray, b: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per domain: the design variance, b'S1 b (for the SRS variance) and the df."""
    stats = engine.stats
    if stats.source is not None:  # pairs of kept cells: summed per cell, not pooled first
        srs, gram = _cell_quadratics(stats.source, cell_domain, b, stats.layout, count)
    else:
        pairs = stats.pairs()
        domain_of = np.full(len(pairs), -1)
        domain_of[group_of[group_of >= 0]] = np.flatnonzero(group_of >= 0)
        used = np.flatnonzero(domain_of >= 0)
        sums = pairs if len(used) == len(pairs) else pairs[used]
        coef = pair_coefficients(b[domain_of[used]], stats.layout)
        srs, gram = np.zeros(count), np.zeros(count)
        srs[domain_of[used]] = np.einsum("gpk,gpk->g", coef, sums[..., :4])
        gram[domain_of[used]] = np.einsum("gpk,gpk->g", coef, sums[..., 4:])
    # Σ_h c_h/n_h·(b·T_dh)², T_dh: the domain's totals in stratum h (only those present)
    inside = np.flatnonzero(cell_domain >= 0)
    strata = len(engine.centre)
    key = cell_domain[inside] * strata + engine.stratum[inside]
    pairs, at = np.unique(key, return_inverse=True)
    totals = np.zeros((len(pairs), b.shape[1]))
    np.add.at(totals, at, engine.tv[inside])
    domain, stratum = pairs // strata, pairs % strata
    z = (b[domain] * totals).sum(axis=1)
    centred = np.bincount(domain, weights=engine.centre[stratum] * z**2, minlength=count)
    variance = np.maximum(gram - centred, 0.0)
    responses = np.bincount(at, weights=stats.t[inside, engine.every, N], minlength=len(pairs))
    present = np.bincount(domain, weights=responses > 0, minlength=count)
    psus = np.bincount(
        cell_domain[inside], weights=stats.psus[inside, engine.every], minlength=count
    )
    return variance, srs, np.rint(psus - present).astype(int)
