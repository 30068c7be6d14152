"""Calibration-aware (residual) variance for a round weighted by a raked or post-stratified
weight set, as R's survey package computes it for a design calibrated with ``rake()``,
``calibrate()`` or ``postStratify()`` (svyrecvar: the linearised variable is replaced by its
residual on the calibration variables before the PSU totals are formed).

With x_i = w_i·u_i the linearised variable (w the final weight, u_i = b·v_i in the domain, 0
outside), M_i the indicators of response i's category of every calibration margin:

- ``calibrate`` (bounded raking, R ``calibrate(calfun = "raking", bounds = …)``) and
  ``poststratify`` (R ``postStratify``): x_i − w_i·M_i·β with β = (M'DM)⁻ M'D u, D the weights
  calibration started from (R: ``qr.resid(qr(mm·√d), x/(g√d))·g√d``);
- ``rake`` (R ``rake()``): R's approximation of that projection, ten sweeps over the margins of
  u ← u − (unweighted category mean of u) (svyrecvar's "raking" branch), i.e. x_i − w_i·M_i·c
  with c = H·M'u, H the linear map of those sweeps (computed once on unit vectors).

Both are x_i − w_i·M_i·H·s, s = M'Ω u (Ω = D, or 1 for rake): with PSU totals
T_j = X_j − A_j·U (A_j = Σ_{i∈j} w_i·M_i, U = H·s), the maintained Gram Σ_h c_h Σ_j X_j X_j'
gets − U'Q − Q'U + U'(A'A)U (Q = Σ_h c_h Σ_j A_j' X_j over the domain's PSUs, A'A over every
PSU) and the stratum totals get − ΣA_h·U. Every term is per cell (or fixed), so a domain
costs a few small matrix products: no response is re-read per domain. R's subset of a
calibrated design keeps every row (residuals outside the domain are not 0), so every stratum
of the sample counts as present (lonely PSU rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.forms.schema import Instrument
from app.models import Round, WeightSet
from app.statistics.design import Design
from app.statistics.replicates import (
    ReplicateError,
    Replicates,
    group_totals,
    jk1,
    jkn,
    rao_wu,
)
from app.weights.calibration import Categories
from app.weights.data import load_responses
from app.weights.errors import WeightingError
from app.weights.pipeline import adjust, adjust_nonresponse, cell_key
from app.weights.schemas import WeightingInputs

REPLICATE_TOLERANCE = 1e-13  # each replicate's raking: the largest relative misfit
SWEEPS = 10  # R's svyrecvar: for (iterations in 1:10) over the raking margins


def calibration_kind(inputs: WeightingInputs) -> str | None:
    """How R would calibrate with these inputs (None: no calibration to population totals)."""
    if inputs.method == "poststratify" and inputs.cells:
        return "poststratify"
    if inputs.method == "rake" and inputs.margins:
        return "calibrate" if inputs.trim is not None else "rake"
    return None


@dataclass
class Calibration:
    """The per-cell and fixed terms of the residual variance (module docstring)."""

    kind: str
    h: np.ndarray  # (K, K)
    s: np.ndarray  # (cells, K, 2C): Σ over the cell's responses of Ω_i·M_i'·v_i
    q: np.ndarray  # (cells, K, 2C): Σ over the cell's PSUs of c_h·A_j'·X_j
    aa: np.ndarray  # (K, K): Σ over every PSU of c_h·A_j'·A_j
    tot_a: np.ndarray  # (strata, K): Σ over the stratum's PSUs of A_j

    def adjust(
        self, member: np.ndarray, gram: np.ndarray, totals: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The domain's Gram matrix and stratum totals of the residuals' PSU totals."""
        u = self.h @ self.s[member].sum(axis=0)  # (K, 2C)
        q = self.q[member].sum(axis=0)
        cross = u.T @ q
        adjusted = gram - cross - cross.T + u.T @ self.aa @ u
        return adjusted, totals - self.tot_a @ u


def sweep_map(codes: list[np.ndarray], sizes: list[int], weights: np.ndarray) -> np.ndarray:
    """H of R's raking residuals: c = H·s after SWEEPS sweeps of 'subtract each category's
    mean', s the category sums (all margins stacked) of the variable."""
    offsets = np.cumsum([0, *sizes])
    k = int(offsets[-1])
    cross = _cross(codes, offsets, weights, k)
    counts = np.diag(cross).copy()
    counts[counts == 0] = 1.0
    c = np.zeros((k, k))
    s = np.eye(k)
    for _ in range(SWEEPS):
        for m in range(len(codes)):
            at = slice(offsets[m], offsets[m + 1])
            current = s[at] - cross[at] @ c
            c[at] += current / counts[at, None]
    return c


def greg_map(codes: list[np.ndarray], sizes: list[int], weights: np.ndarray) -> np.ndarray:
    """H = (M'DM)⁺: the fitted values M·H·M'D u of the weighted projection on the margins."""
    offsets = np.cumsum([0, *sizes])
    cross = _cross(codes, offsets, weights, int(offsets[-1]))
    found: np.ndarray = np.linalg.pinv(cross, rcond=1e-12, hermitian=True)
    return found


def _cross(codes: list[np.ndarray], offsets: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """M'·diag(weights)·M over the stacked category indicators."""
    cross = np.zeros((k, k))
    for a, ca in enumerate(codes):
        for b, cb in enumerate(codes):
            np.add.at(cross, (ca + offsets[a], cb + offsets[b]), weights)
    return cross


async def active_inputs(session: AsyncSession, round_: Round) -> WeightingInputs | None:
    """The inputs of the weight set a 'raked' round's estimates use (None: none)."""
    if round_.weighting != "raked":
        return None
    stored = await session.scalar(
        select(WeightSet.inputs).where(WeightSet.round_id == round_.id, WeightSet.active)
    )
    return None if stored is None else WeightingInputs.model_validate(stored)


async def load_calibration(
    session: AsyncSession,
    round_: Round,
    instrument: Instrument,
    head: str,
    params: dict[str, Any],
    keys: list[tuple[int, bool, str]],
    stratum: np.ndarray,
    scale: np.ndarray,
    criteria: tuple[str, ...],
) -> Calibration | None:
    """The calibration terms of the round's active weight set, over the responses the
    estimates use (``head``: the live batch's CTEs; ``keys``: the engine's cells, with their
    stratum numbers and c_h)."""
    rows = (await session.execute(text(head + per_response(len(criteria))), params)).all()
    model = await calibration_model(session, round_, instrument, [int(r[0]) for r in rows])
    if model is None:
        return None
    cell_of = {(int(u), str(s)): i for i, (u, _g, s) in enumerate(keys)}
    cell = np.array([cell_of[(int(r[1]), str(r[2]))] for r in rows], dtype=np.intp)
    w = np.array([float(r[4]) for r in rows])
    bits = np.arange(len(criteria), dtype=np.int64)
    answered = (np.array([int(r[5]) for r in rows], dtype=np.int64)[:, None] >> bits) & 1
    satisfied = (np.array([int(r[6]) for r in rows], dtype=np.int64)[:, None] >> bits) & 1
    v = np.concatenate([satisfied, answered], axis=1).astype(np.float64)
    psus = [(int(cell[i]), str(r[3]) if r[3] else f"#{r[0]}") for i, r in enumerate(rows)]
    return calibration_terms(model, cell, psus, w, v, len(keys), stratum, scale)


@dataclass(frozen=True)
class CalibrationModel:
    """The active weight set's calibration over a list of responses: R's kind, the map H, each
    response's category of every margin (codes, sizes) and its Ω (module docstring)."""

    kind: str
    h: np.ndarray
    codes: list[np.ndarray]
    sizes: list[int]
    omega: np.ndarray


async def calibration_model(
    session: AsyncSession, round_: Round, instrument: Instrument, response_ids: Sequence[int]
) -> CalibrationModel | None:
    """The calibration of the round's active weight set over ``response_ids`` (in that order);
    None: the round's weights are not calibrated to population totals."""
    inputs = await active_inputs(session, round_)
    kind = None if inputs is None else calibration_kind(inputs)
    if inputs is None or kind is None:
        return None
    data = await load_responses(session, round_, instrument, inputs.variables())
    position = {rid: i for i, rid in enumerate(data.ids)}
    at = np.array([position[rid] for rid in response_ids], dtype=np.intp)
    values = {v: [data.values[v][i] for i in at] for v in data.values}
    start = data.base[at]
    if inputs.nonresponse is not None:  # the weights calibration starts from
        start = adjust_nonresponse(data.base, data.values, inputs.nonresponse)[at]
    if kind == "poststratify":
        assert inputs.cells is not None
        names = list(inputs.cells[0].cell)
        labels = [cell_key(names, row) for row in zip(*(values[v] for v in names), strict=True)]
        margins = [Categories.of("cell", labels)]
    else:
        variables = list(dict.fromkeys(m.variable for m in inputs.margins or []))
        margins = [Categories.of(v, values[v]) for v in variables]
    codes = [m.codes for m in margins]
    sizes = [len(m.labels) for m in margins]
    if kind == "rake":
        omega, h = np.ones(len(at)), sweep_map(codes, sizes, np.ones(len(at)))
    else:
        omega, h = start, greg_map(codes, sizes, start)
    return CalibrationModel(kind, h, codes, sizes, omega)


def per_response(size: int) -> str:
    """One row per response of the live batch: its cell and PSU keys, weight, and the bit
    masks of the criteria it answered and was satisfied with (bit c: criterion c, as the
    ``:c{i}`` parameters of Spec.ctes name them)."""
    bit = " ".join(f"WHEN :c{i} THEN {1 << i}" for i in range(size))
    return f"""
    SELECT b.response_id, b.unit_id, b.skey, b.pkey, b.f,
           COALESCE(SUM(CASE ca.question {bit} END), 0),
           COALESCE(SUM(ca.y * CASE ca.question {bit} END), 0)
    FROM tally_batch b LEFT JOIN ca ON ca.response_id = b.response_id
    GROUP BY b.response_id, b.unit_id, b.skey, b.pkey, b.f"""


def calibration_terms(
    model: CalibrationModel,
    cell: np.ndarray,
    psus: Sequence[tuple[int, str]],
    w: np.ndarray,
    v: np.ndarray,
    cells: int,
    stratum: np.ndarray,
    scale: np.ndarray,
) -> Calibration:
    """The residual variance's terms of linearised columns ``v`` (responses, m) in the order
    of ``model``'s responses: each response's cell (of ``cells``, whose strata are
    ``stratum``, c_h ``scale``), PSU key and final weight ``w``."""
    kind, h, codes, sizes, omega = model.kind, model.h, model.codes, model.sizes, model.omega
    psu_of: dict[tuple[int, str], int] = {}
    psu = np.array([psu_of.setdefault(key, len(psu_of)) for key in psus], dtype=np.intp)
    offsets = np.cumsum([0, *sizes])
    k, p = int(offsets[-1]), len(psu_of)
    mcols = [c + offsets[m] for m, c in enumerate(codes)]
    s = np.zeros((cells, k, v.shape[1]))
    a = np.zeros((p, k))
    for col in mcols:
        np.add.at(s, (cell, col), omega[:, None] * v)
        np.add.at(a, (psu, col), w)
    x = np.zeros((p, v.shape[1]))
    np.add.at(x, psu, w[:, None] * v)
    psu_cell = np.zeros(p, dtype=np.intp)
    psu_cell[psu] = cell
    c_h = scale[stratum[psu_cell]]
    q = np.zeros((cells, k, v.shape[1]))
    order = np.argsort(psu_cell, kind="stable")
    having, starts = np.unique(psu_cell[order], return_index=True)
    weighted = c_h[order, None] * a[order]
    for kk in range(k):  # per category: Σ over the cell's PSUs of c_h·A_jk·X_j
        q[having, kk, :] = np.add.reduceat(weighted[:, kk, None] * x[order], starts, axis=0)
    aa = (a * c_h[:, None]).T @ a
    tot_a = np.zeros((len(scale), k))
    np.add.at(tot_a, stratum[psu_cell], a)
    return Calibration(kind, h, s, q, aa, tot_a)


@dataclass(frozen=True)
class ReplicateLayout:
    """A round's replicate factors and where every response sits in them: PSUs are numbered
    in order of their first response (by id) and strata in order of their first PSU, so the
    factors (the bootstrap's too, with its seed) are a function of the responses and the
    design alone, the same on every request and on SQLite and PostgreSQL."""

    reps: Replicates
    responses: np.ndarray  # response ids, ascending
    psu: np.ndarray  # each response's PSU: its column of reps.factors
    psu_cell: np.ndarray  # each PSU's cell (the engine's keys)
    x: np.ndarray  # PSU totals of w·v (PSUs, 2C)
    seed: int
    stratum: np.ndarray  # each PSU's stratum (0, 1, … in order of first PSU)
    v: np.ndarray  # each response's satisfied then answered indicators (n, 2C), int8
    weights: np.ndarray  # each response's final weight (n,)

    def response_factors(self) -> np.ndarray:
        """(responses, R): the factor of every response (its PSU's) in every replicate."""
        found: np.ndarray = self.reps.factors[:, self.psu].T
        return found


async def replicate_layout(
    session: AsyncSession,
    head: str,
    params: dict[str, Any],
    keys: list[tuple[int, bool, str]],
    stratum: np.ndarray,
    design: Design,
    seed: int,
    draw: bool = True,
) -> ReplicateLayout:
    """The design's replicate factors over the PSUs of the live batch: JK1 (every PSU one
    stratum), JKn (the design's strata) or the Rao–Wu bootstrap (``design.replicates``,
    seeded with ``seed``). ``draw=False``: the layout only (no factors: stored ones are read
    in, app.statistics.replicate_store)."""
    size = design_size(params)
    order = " ORDER BY b.response_id"
    rows = (await session.execute(text(head + per_response(size) + order), params)).all()
    cell_of = {(int(u), str(s)): i for i, (u, _g, s) in enumerate(keys)}
    cell = np.array([cell_of[(int(r[1]), str(r[2]))] for r in rows], dtype=np.intp)
    w = np.array([float(r[4]) for r in rows])
    bits = np.arange(size, dtype=np.int64)
    answered = (np.array([int(r[5]) for r in rows], dtype=np.int64)[:, None] >> bits) & 1
    satisfied = (np.array([int(r[6]) for r in rows], dtype=np.int64)[:, None] >> bits) & 1
    indicators = np.concatenate([satisfied, answered], axis=1).astype(np.int8)
    v = indicators * w[:, None]
    psu_of: dict[tuple[int, str], int] = {}
    psu = np.array(
        [
            psu_of.setdefault((int(cell[i]), str(r[3]) if r[3] else f"#{r[0]}"), len(psu_of))
            for i, r in enumerate(rows)
        ],
        dtype=np.intp,
    )
    x = np.zeros((len(psu_of), 2 * size))
    np.add.at(x, psu, v)
    psu_cell = np.zeros(len(psu_of), dtype=np.intp)
    psu_cell[psu] = cell
    psu_stratum = _first_seen(stratum[psu_cell])
    if not draw:
        reps = Replicates(design.variance, np.zeros((0, len(psu_of))), 1.0, np.zeros(0))
    elif design.variance == "jk1":
        reps = jk1(len(psu_of))
    elif design.variance == "jkn":
        reps = jkn(psu_stratum)
    else:
        reps = rao_wu(psu_stratum, design.replicates, seed)
    ids = np.array([int(r[0]) for r in rows], dtype=np.int64)
    return ReplicateLayout(reps, ids, psu, psu_cell, x, seed, psu_stratum, indicators, w)


def _first_seen(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0, 1, … in order of first appearance."""
    found, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(found), dtype=np.intp)
    rank[np.argsort(first, kind="stable")] = np.arange(len(found))
    renumbered: np.ndarray = rank[inverse.ravel()]
    return renumbered


async def load_replicates(
    session: AsyncSession,
    head: str,
    params: dict[str, Any],
    keys: list[tuple[int, bool, str]],
    stratum: np.ndarray,
    design: Design,
    seed: int,
) -> tuple[ReplicateLayout, np.ndarray]:
    """The replicate layout (``replicate_layout``) and every cell's replicate totals
    (cells, R, 2C)."""
    layout = await replicate_layout(session, head, params, keys, stratum, design, seed)
    return layout, group_totals(layout.reps, layout.x, layout.psu_cell, len(keys))


def design_size(params: dict[str, Any]) -> int:
    """The number of criteria of Spec.ctes' parameters (c0, c1, …)."""
    return sum(1 for k in params if k[0] == "c" and k[1:].isdigit())


@dataclass(frozen=True)
class Recalibrated:
    """Replicate weights of a calibrated round, each replicate calibrated again (R: ``rake()``,
    ``calibrate()`` or ``postStratify()`` applied to the replicate design)."""

    kind: str
    weights: np.ndarray  # (R, responses of the layout): each replicate's final weights
    totals: np.ndarray  # (cells, R, 2C): every cell's replicate totals of w_r·v


async def recalibrate(
    session: AsyncSession,
    round_: Round,
    instrument: Instrument,
    layout: ReplicateLayout,
    cells: int,
) -> Recalibrated | None:
    """Each replicate's weights calibrated to the active weight set's margins or cells from
    the weights calibration starts from times the replicate's factors: w_r = calibrate(d·f_r)
    (None: the round's weights are not calibrated). A response of factor 0 keeps weight 0;
    a replicate that cannot be calibrated (a category left without a response) is undefined
    (NaN: left out of the variance, as R's na.omit of its NaN estimates)."""
    inputs = await active_inputs(session, round_)
    kind = None if inputs is None else calibration_kind(inputs)
    if inputs is None or kind is None:
        return None
    data = await load_responses(session, round_, instrument, inputs.variables())
    start = data.base
    if inputs.nonresponse is not None:  # taken as fixed, as for the residual variance
        start = adjust_nonresponse(data.base, data.values, inputs.nonresponse)
    position = {rid: i for i, rid in enumerate(data.ids)}
    missing = [int(r) for r in layout.responses if int(r) not in position]
    if missing:
        raise ReplicateError(f"{len(missing)} responses have no weight in the active set")
    at = np.array([position[int(r)] for r in layout.responses], dtype=np.intp)
    factors = np.ones((layout.reps.factors.shape[0], len(data.ids)))
    factors[:, at] = layout.response_factors().T
    # replicate estimates differ by about SE/√R: their raking must converge much further
    # than the weight set's tolerance for the SE to be right to 1e-8 (R's rake() sweeps the
    # replicates until the full-sample weights meet its epsilon)
    fixed = inputs.model_copy(
        update={
            "nonresponse": None,
            "tolerance": min(inputs.tolerance, REPLICATE_TOLERANCE),
            "max_iterations": max(inputs.max_iterations, 5000),
        }
    )
    weights = np.full((factors.shape[0], len(at)), np.nan)
    for r in range(factors.shape[0]):
        begin = start * factors[r]
        kept = np.flatnonzero(begin > 0)
        values = {v: [data.values[v][i] for i in kept] for v in data.values}
        try:
            found = adjust(begin[kept], values, fixed).weights
        except WeightingError:
            continue
        full = np.zeros(len(data.ids))
        full[kept] = found
        weights[r] = full[at]
    cell = layout.psu_cell[layout.psu]
    as_factors = Replicates(layout.reps.kind, weights, layout.reps.scale, layout.reps.rscales)
    totals = group_totals(as_factors, layout.v.astype(np.float64), cell, cells)
    return Recalibrated(kind, weights, totals)
