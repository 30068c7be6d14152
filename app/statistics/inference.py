"""Design-based estimates of a domain (a set of units): criterion ratios, element and overall
indices (linear combinations of ratios, or pooled ratios: app.statistics.pooled, per the
instrument's rule), their linearised standard errors, 95% intervals (the round's method:
app.statistics.intervals), design effects and degrees of freedom (R's degf of the domain).

For an estimate θ = Σ_c a_c·R_c, R_c = Y_c/X_c, the linearised variable of response i is
z_i = Σ_c a_c·w_i·(y_ic − R_c·x_ic)/X_c = b·(w_i·v_i) with b = (a/X, −a·R/X). With PSU totals
z_hj and n_h PSUs in stratum h (domain: z = 0 outside, every PSU counted in n_h):
var = Σ_h c_h·[Σ_j z_hj² − (Σ_j z_hj)²/n_h], c_h = (1 − f_h)·n_h/(n_h − 1); a stratum with
one PSU contributes (1 − f_h)·z_h1² under R's lonely.psu "adjust" (other options:
design.Strata). Σ_j z_hj² = b'G b from the maintained PSU cross-products, so no response is
read here; variances whose truth is exactly 0 are set so (Engine._exact_zeros).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from app.forms.schema import Instrument
from app.statistics.calibrated import Calibration, ReplicateLayout
from app.statistics.design import Design, LonelyStratum, Strata, split_key
from app.statistics.intervals import interval
from app.statistics.pooled import Rows, Totals, apply_pooled, pooled_zeros, replicate_pooled
from app.statistics.replicate_store import Summary
from app.statistics.replicates import Replicates, column_rank, domain_thetas, replicate_rank
from app.statistics.replicates import variance as replicate_variance
from app.statistics.sufficient import RoundStats
from app.units.service import UnitTree

N, N_SAT, SW, SW_SAT = range(4)
__all__ = ["DomainEstimates", "Engine", "Estimate", "LonelyStratum", "estimate_of"]


@dataclass(frozen=True)
class Estimate:
    index: float | None  # weighted share, percent
    unweighted: float | None
    n: int  # valid answers (criteria) or responses that answered (elements, overall)
    weight: float
    se: float | None  # percentage points
    ci95: tuple[float, float] | None
    deff: float | None
    effective_n: float | None
    df: int


@dataclass(frozen=True)
class DomainEstimates:
    respondents: int  # responses that answered at least one criterion (the overall's n)
    weight: float  # their weights' sum (the overall's)
    overall: Estimate
    elements: dict[str, Estimate]
    criteria: dict[str, Estimate]
    responses: int = 0  # every valid response, those that answered every criterion N/A too


def combinations(instrument: Instrument, available: np.ndarray) -> np.ndarray:
    """Rows of coefficients a over the criteria, in the order: each criterion, each element,
    the overall. Criteria without data in the domain are left out (a = 0), as the point
    indices leave them out; an element without data is left out of the overall."""
    codes = [q.element for q in instrument.criteria]
    membership = np.array([[c == e.code for c in codes] for e in instrument.elements])
    present = membership & available
    counts = present.sum(axis=1)
    elements = np.divide(
        present, counts[:, None], out=np.zeros(present.shape), where=counts[:, None] > 0
    )
    rule = instrument.aggregation
    if rule.overall in ("mean_of_criteria", "pooled"):  # pooled: app.statistics.pooled
        total = available.sum()
        overall = available / total if total else np.zeros(len(available))
    elif rule.overall in ("mean_of_elements", "weighted_elements"):  # of pooled elements too
        weights = np.array(
            [
                (rule.weights[e.code] if rule.overall == "weighted_elements" else 1.0)
                if counts[i]
                else 0.0
                for i, e in enumerate(instrument.elements)
            ]
        )
        total = weights.sum()
        overall = weights @ elements / total if total else np.zeros(len(available))
    else:
        raise ValueError(f"{instrument.code} is scored by {rule.overall}, not as a share")
    return np.vstack([np.diag(available.astype(float)), elements, overall[None, :]])


class Engine:
    """Estimates for any domain of a round, from its sufficient statistics and design."""

    def __init__(
        self,
        instrument: Instrument,
        stats: RoundStats,
        design: Design,
        tree: UnitTree,
        volumes: Mapping[int, int | None],
        sample: RoundStats | None = None,
    ) -> None:
        """``sample``: the whole sample's cells when ``stats`` holds a split of some units'
        responses (app.statistics.cells.Split): the design's strata, their PSU counts and
        the derived weights stay those of the whole sample, as R's subset() keeps them."""
        self.instrument, self.stats, self.design = instrument, stats, design
        self.size = len(stats.spec.criteria)
        questions = stats.spec.questions
        self.every, self.any = questions.index("*"), questions.index("@")
        self.element_q = {e: questions.index("@" + e) for e in stats.spec.elements}
        whole = sample or stats
        per_unit: dict[int, float] = {}
        for k, unit in enumerate(whole.units):
            per_unit[int(unit)] = per_unit.get(int(unit), 0.0) + whole.t[k, self.every, N]
        self.m = np.array(
            [1.0 if given else _derived(volumes.get(u), per_unit[u]) for u, given, _ in stats.keys]
        )
        cells = [(unit, skey) for unit, _given, skey in whole.keys]
        strata = Strata.of(design, tree, cells, whole.psus[:, self.every], volumes)
        self.scale, self.centre, self.strata = strata.scale, strata.centre, strata
        self.stratum = (
            strata.of_cell
            if sample is None
            else strata.numbers_of(design, tree, [(u, skey) for u, _g, skey in stats.keys])
        )
        self.units = stats.units
        self.calibration: Calibration | None = None  # residual variance (raked weights)
        # replicate weights (design.variance jk1 | jkn | bootstrap): the factors and every
        # cell's replicate totals (cells, R, 2C) (app.statistics.replicates)
        self.replicates: Replicates | None = None
        self.replicate_totals: np.ndarray | None = None
        self.replicate_layout: ReplicateLayout | None = None
        # a calibrated round's replicate weights, each replicate calibrated again (R, responses)
        self.replicate_weights: np.ndarray | None = None
        # or, served from the stored set (app.statistics.replicate_engine.attach_summary): its
        # Summary and each cell's row in it (-1: none)
        self.replicate_summary: tuple[Summary, np.ndarray] | None = None
        self.categories, self.part = _categories(stats)
        questions_of = [questions.index(c) for c in stats.spec.criteria]
        questions_of += [self.element_q[e.code] for e in instrument.elements] + [self.any]
        self.estimate_q = np.array(questions_of, dtype=int)
        self.tv = self.m[:, None] * np.concatenate(
            [stats.t[:, : self.size, SW_SAT], stats.t[:, : self.size, SW]], axis=1
        )

    def domain(self, unit_ids: set[int], category: str | None = None) -> DomainEstimates:
        """Every criterion, element and overall estimate of the responses in ``unit_ids``
        (of a split engine: those in ``category`` too, '' for no answer)."""
        member = np.isin(self.units, list(unit_ids))
        if category is not None:
            member &= self.part == self.categories.get(category, -2)
        return self._estimates(member, None)

    def allocated(self, shares: Mapping[int, float]) -> DomainEstimates:
        """The estimates of a domain whose units count in part: each response of unit u
        with its weight times ``shares[u]`` (0 < share <= 1; units not listed: outside).
        Its linearised variable is share_u·w_i·(y_i − R·x_i)/X, as R's svyratio on the
        subset of the design with those weights. The variance needs every group of cells
        (app.statistics.load.cell_groups: plan the shares' units as domains) to carry one
        share, and is not estimated (NaN: SE null) under a calibrated design, whose
        residuals a share does not scale."""
        member = np.isin(self.units, [u for u, s in shares.items() if s > 0])
        factor = np.array([shares.get(int(u), 0.0) for u in self.units], dtype=float)
        return self._estimates(member, factor)

    def points(self, unit_ids: set[int]) -> DomainEstimates:
        """The point estimates of ``domain`` only (no variance: SE null), for rankings."""
        return self._estimates(np.isin(self.units, list(unit_ids)), None, points_only=True)

    def _estimates(
        self, member: np.ndarray, factor: np.ndarray | None, points_only: bool = False
    ) -> DomainEstimates:
        t, size = self.stats.t[member], self.size
        m = self.m[member] if factor is None else self.m[member] * factor[member]
        n = t[..., N].sum(axis=0)
        weight = (t[..., SW] * m[:, None]).sum(axis=0)
        x, y = weight[:size], (t[:, :size, SW_SAT] * m[:, None]).sum(axis=0)
        available = x > 0
        answered, satisfied = n[:size], t[:, :size, N_SAT].sum(axis=0)
        ratio = np.divide(y, x, out=np.zeros(size), where=available)
        ratio[available & (satisfied == answered)] = 1.0  # not 1 − 1e-16 from two float sums
        if factor is not None:  # the unweighted share, counting each response by its share
            f = factor[member][:, None]
            answered_f, satisfied_f = (t[:, :size, N] * f).sum(0), (t[:, :size, N_SAT] * f).sum(0)
        else:
            answered_f, satisfied_f = answered, satisfied
        share = np.divide(satisfied_f, answered_f, out=np.zeros(size), where=answered_f > 0)
        a = combinations(self.instrument, available)
        totals = Totals(y, x, satisfied, answered)
        rows = self._rows(a, totals, ratio, share)
        present = self._present(member)
        psus = self.stats.psus[member][:, self.estimate_q].sum(axis=0)
        if self.calibration is not None:  # one PSU's residuals do not sum to 0 any more
            psus = np.full(len(psus), 2)
        df = int(self.stats.psus[member][:, self.every].sum()) - int(present.sum())
        if points_only:
            variance = srs_quad = np.full(len(a), np.nan)
        elif self.replicates is not None and self.replicate_totals is not None:
            _, srs_quad = self._variance(member, rows.b, factor)
            replicated = self.replicate_totals[member]
            if factor is not None:
                replicated = replicated * factor[member][:, None, None]
            domain_totals = replicated.sum(axis=0)
            thetas = domain_thetas(domain_totals, a, available)
            replicate_pooled(self.instrument, domain_totals, available, thetas, rows)
            variance = replicate_variance(self.replicates, thetas)
            zero = self._exact_zeros(member, a, n, t, constant_only=True) & ~rows.pooled
            no_psu = np.full(len(a), 2)  # one PSU's replicates still vary
            variance[zero | pooled_zeros(rows, a, totals, no_psu)] = 0.0
            layout = self.replicate_layout
            if layout is not None:  # R: degf(subset(rep, domain)), the rank of its weights − 1
                inside = member[layout.psu_cell]
                if self.replicate_weights is None:
                    rank = replicate_rank(layout.reps, layout.stratum, inside)
                else:  # rows of a PSU are no longer proportional: the responses' weights
                    rank = column_rank(self.replicate_weights, inside[layout.psu])
                df = max(rank - 1, 0)
            elif self.replicate_summary is not None:
                summary, row = self.replicate_summary
                cells = np.zeros(len(summary.keys), dtype=bool)
                cells[row[member & (row >= 0)]] = True
                df = max(summary.rank(cells, self.replicates.kind) - 1, 0)
        elif self.stats.paired:
            variance, srs_quad = self._variance(member, rows.b, factor)
            zero = self._exact_zeros(member, a, n, t) & ~rows.pooled
            variance[zero | pooled_zeros(rows, a, totals, psus)] = 0.0
            # R's subset of a calibrated design keeps every row: every stratum is present
            kept = present if self.calibration is None else self._present(member | True)
            variance *= self.strata.lonely_factor(kept)  # NaN, as R: no stratum to average
        else:
            variance = srs_quad = np.full(len(a), np.nan)
        q = self.estimate_q
        has = [bool(v) for v in (a != 0).sum(axis=1)]
        estimates = [
            estimate_of(
                has[e],
                rows.points[e],
                rows.shares[e],
                n[q[e]],
                weight[q[e]],
                variance[e],
                srs_quad[e],
                df,
                self.design.ci,
            )
            for e in range(len(a))
        ]
        elements = self.instrument.elements
        return DomainEstimates(
            respondents=int(n[self.any]),
            weight=float(weight[self.any]),
            responses=int(n[self.every]),
            overall=estimates[-1],
            elements={e.code: estimates[size + i] for i, e in enumerate(elements)},
            criteria={c: estimates[i] for i, c in enumerate(self.stats.spec.criteria)},
        )

    def _rows(self, a: np.ndarray, totals: Totals, ratio: np.ndarray, share: np.ndarray) -> Rows:
        """Gradients, points and shares of every estimate: linear combinations of the
        criteria's ratios (a), the rows the instrument pools replaced."""
        x, available = totals.x, totals.x > 0
        b = np.concatenate(
            [
                np.divide(a, x, out=np.zeros_like(a), where=available),
                -np.divide(a * ratio, x, out=np.zeros_like(a), where=available),
            ],
            axis=1,
        )
        rows = Rows(b, a @ ratio, a @ share, np.zeros(len(a), dtype=bool))
        apply_pooled(self.instrument, totals, rows)
        return rows

    def multipliers(self) -> tuple[np.ndarray, np.ndarray]:
        """Per cell: the multipliers of its g (c_h·m²) and s1 (m) sums."""
        gm: np.ndarray = self.scale[self.stratum] * self.m**2
        return gm, self.m

    def _groups(self, member: np.ndarray) -> np.ndarray:
        group = self.stats.group
        assert group is not None
        inside: np.ndarray = np.unique(group[member & (group >= 0)])
        if (np.isin(group, inside) != member)[group >= 0].any():
            raise ValueError("the domain cuts through a group of cells: plan it in domains")
        return inside

    def _variance(
        self, member: np.ndarray, b: np.ndarray, factor: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The design variance and the SRS quadratic form b'S1 b of every estimate (cells
        scaled by ``factor``: a group's g by its share², its s1 by its share; NaN when a
        group's cells carry different shares, or the design is calibrated)."""
        groups = self._groups(member)
        unknown = np.full(len(b), np.nan)
        scale = self._group_shares(groups, factor)
        if scale is None or (factor is not None and self.calibration is not None):
            return unknown, unknown
        s1, gram = self.stats.grams(groups, None if factor is None else scale)
        srs = quadratic(b, s1)
        totals = np.zeros((len(self.centre), 2 * self.size))
        tv = self.tv[member] if factor is None else self.tv[member] * factor[member][:, None]
        np.add.at(totals, self.stratum[member], tv)
        if self.calibration is not None:
            gram, totals = self.calibration.adjust(member, gram, totals)
        return design_variance(b, gram, totals, self.centre), srs

    def _group_shares(self, groups: np.ndarray, factor: np.ndarray | None) -> np.ndarray | None:
        """Each group's share (1 without ``factor``); None if a group's cells differ."""
        if factor is None:
            return np.ones(len(groups))
        group = self.stats.group
        assert group is not None
        found = []
        for g in groups.tolist():
            values = factor[group == g]
            if not np.all(values == values[0]):
                return None
            found.append(values[0])
        return np.array(found, dtype=float)

    def _present(self, member: np.ndarray) -> np.ndarray:
        """Per stratum: whether the domain has responses in it (R: rows of the subset)."""
        count = np.zeros(len(self.centre))
        np.add.at(count, self.stratum[member], self.stats.t[member, self.every, N])
        present: np.ndarray = count > 0
        return present

    def _exact_zeros(
        self,
        member: np.ndarray,
        a: np.ndarray,
        n: np.ndarray,
        t: np.ndarray,
        constant_only: bool = False,
    ) -> np.ndarray:
        """Estimates whose true variance is exactly 0: every criterion they combine is
        constant in the domain (all answers satisfied, or none; one answer) or has its answers
        in one PSU (z sums to 0 over the domain, so that PSU's total is 0). Set exactly, not
        left to Σz² − (Σz)²/n over maintained sums, whose rounding leaves ~1e-7."""
        size = self.size
        answered, satisfied = n[:size], t[:, :size, N_SAT].sum(axis=0)
        psus = self.stats.psus[member][:, :size].sum(axis=0)
        still = (satisfied == 0) | (satisfied == answered)
        if self.calibration is None and not constant_only:  # calibrated: not 0 outside
            still |= psus <= 1
        zero: np.ndarray = ((a != 0) & ~still[None, :]).sum(axis=1) == 0
        return zero


def quadratic(b: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """b_e'·M·b_e for every row e of b."""
    result: np.ndarray = np.einsum("ei,ij,ej->e", b, matrix, b)
    return result


def design_variance(
    b: np.ndarray, gram: np.ndarray, totals: np.ndarray, centre: np.ndarray
) -> np.ndarray:
    """Linearised variance of every estimate (row of b): z = b·v summed to PSU totals V_hj,
    var = Σ_h c_h·Σ_j z_hj² − (c_h/n_h)·(Σ_j z_hj)². ``gram``: Σ_h c_h·Σ_j V_hj·V_hj';
    ``totals``: per stratum Σ_j V_hj over the domain; ``centre``: c_h/n_h."""
    variance: np.ndarray = np.maximum(quadratic(b, gram) - ((b @ totals.T) ** 2) @ centre, 0.0)
    return variance


def estimate_of(
    has: bool,
    p: float,
    share: float,
    n: float,
    weight: float,
    variance: float,
    srs_quad: float,
    df: float,
    ci: str = "logit",
) -> Estimate:
    """One estimate from its point p, unweighted share, n, weight sum W, design variance,
    b'S1 b (for the SRS variance W·b'S1 b/(n − 1)), degrees of freedom and interval method.
    A variance of exactly 0 has no design effect."""
    n, df = int(n), int(df)
    if not has:
        return Estimate(None, None, n, float(weight), None, None, None, None, df)
    if math.isnan(variance):  # point estimates only
        return Estimate(100.0 * p, 100.0 * share, n, float(weight), None, None, None, None, df)
    se = math.sqrt(variance)
    # SRS with replacement of the same n answers: W·b'S b/(n − 1) (survey's deff="replace")
    srs = weight * srs_quad / (n - 1) if n > 1 else 0.0
    deff = variance / srs if srs > 0 and variance > 0 else None
    return Estimate(
        index=100.0 * p,
        unweighted=100.0 * share,
        n=n,
        weight=float(weight),
        se=100.0 * se,
        ci95=interval(ci, float(p), se, df, n),
        deff=deff,
        effective_n=n / deff if deff else None,
        df=df,
    )


def _derived(volume: int | None, responses: float) -> float:
    """N_h / n_h, or 1 when the unit's volume is unknown (as weighted.weighted_responses)."""
    return volume / responses if volume is not None and responses else 1.0


def _categories(stats: RoundStats) -> tuple[dict[str, int], np.ndarray]:
    """The categories of a split's cells (category -> number) and each cell's (-1: none)."""
    found: dict[str, int] = {}
    parts = [split_key(skey)[1] for _, _, skey in stats.keys]
    numbers = [-1 if p is None else found.setdefault(p, len(found)) for p in parts]
    return found, np.array(numbers, dtype=int)
