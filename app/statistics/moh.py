"""The Ministry of Health's own indicators for the health instruments (HTTP-free): the mean
score (1–5) per item, section and overall, and the share of respondents satisfied with every
item they rated (QĐ 3869/QĐ-BYT practice), each with a design-based SE and 95% interval.

Definitions (docs/statistics.md "Health instruments: the Ministry's indicators"):

- item mean M_c = Σ w·score_c / Σ w·[answered c], over valid 1–5 answers (0 / "not used" is
  stored as N/A and leaves the denominator): R ``svyratio(~score_c, ~ans_c, sub)``;
- section and overall means: the instrument's aggregation rule applied to the item means
  (``inference.combinations``: mean of items, of sections, weighted sections; items without an
  answer in the domain left out): R ``svycontrast`` over ``svyratio(covmat = TRUE)``;
- "all items satisfied": Σ w·[every rated item at a satisfied level] / Σ w·[rated ≥ 1 item]
  (respondents who rated no item are left out): R ``svyratio(~allsat, ~rated, sub)``.

The variance is the engine's: linearised values per PSU, V = (Σ w·score_c, Σ w·ans_c,
Σ w·allsat, Σ w·rated), gradients b of each estimate, ``inference.design_variance`` over the
round's strata (``design.Strata``: fpc, single-PSU strata under the round's lonely_psu) with
domains as R's ``subset`` (every PSU of the round counts in n_h), df = the domain's PSUs −
its strata. Means get mean ± t(0.975, df)·SE; the share gets the round's interval method.

For a round weighted by a raked or post-stratified weight set the variance is
calibration-aware as R's for a design from ``rake()``, ``calibrate()`` or ``postStratify()``:
the linearised variable is replaced by its residual on the calibration variables
(app.statistics.calibrated, the main estimates' code, over these columns), every stratum of
the sample counts as present. A round's replicate variance is not applied here: linearisation
always.

Cost: the sums are read from the responses of a set of units (one pass over their criterion
answers, aggregated per PSU in the database; a calibrated round's every response once more),
not from maintained tallies: the background worker does it (app/improvement/tasks.py), a
request serves what it stored.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.forms.schema import Instrument
from app.models import Round
from app.statistics.calibrated import Calibration, calibration_model, calibration_terms
from app.statistics.cells import CHUNK, Spec, live_batch
from app.statistics.design import Design, Strata
from app.statistics.distributions import t_quantile
from app.statistics.inference import combinations, design_variance
from app.statistics.intervals import interval
from app.units.service import UnitTree

EVERY, ALL = "*", "@@all"  # pseudo-questions (sections are "@<code>")
PSU_BATCH = """,
psu_batch AS (
  SELECT response_id, unit_id, skey, pkey, f,
         CASE WHEN pkey = '' THEN response_id ELSE 0 END AS rid
  FROM tally_batch
)"""
CELL_PSUS = """
SELECT unit_id, skey, COUNT(*) FROM (SELECT DISTINCT unit_id, skey, pkey, rid FROM psu_batch) p
GROUP BY unit_id, skey"""
# Per PSU: each item's Σ w·score, Σ w (valid answers), n; '@<section>': responses that rated
# one of its items; '@all': Σ w·allsat, Σ w, n of those that rated any item; '*': every
# response (the domain's PSUs and strata, as R's subset keeps them).
PSU_SUMS = """,
inside AS MATERIALIZED (SELECT * FROM psu_batch WHERE unit_id IN :units),
scored AS MATERIALIZED (
  SELECT b.unit_id, b.skey, b.pkey, b.rid, b.f, b.response_id, a.question, c.element, a.value,
         CASE WHEN s.question IS NULL THEN 0 ELSE 1 END AS y
  FROM inside b
  JOIN answer a ON a.response_id = b.response_id
  JOIN crit c ON c.question = a.question
  LEFT JOIN satlev s ON s.question = a.question AND s.level = a.value
  WHERE a.value IS NOT NULL
),
sections AS (
  SELECT DISTINCT unit_id, skey, pkey, rid, f, response_id, element FROM scored
),
rated AS (
  SELECT unit_id, skey, pkey, rid, f, response_id, MIN(y) AS allsat FROM scored
  GROUP BY unit_id, skey, pkey, rid, f, response_id
)
SELECT unit_id, skey, pkey, rid, question, SUM(f * value), SUM(f), COUNT(*)
FROM scored GROUP BY unit_id, skey, pkey, rid, question
UNION ALL
SELECT unit_id, skey, pkey, rid, '@' || element, 0, SUM(f), COUNT(*)
FROM sections GROUP BY unit_id, skey, pkey, rid, element
UNION ALL
SELECT unit_id, skey, pkey, rid, :all_q, SUM(f * allsat), SUM(f), COUNT(*)
FROM rated GROUP BY unit_id, skey, pkey, rid
UNION ALL
SELECT unit_id, skey, pkey, rid, :every_q, 0, SUM(f), COUNT(*)
FROM inside GROUP BY unit_id, skey, pkey, rid"""
# Every response of the round (a calibrated round's residuals), then its valid scores.
RESPONSES = """
SELECT response_id, unit_id, skey, pkey, f FROM psu_batch ORDER BY response_id"""
SCORES = """
SELECT b.response_id, a.question, a.value, CASE WHEN s.question IS NULL THEN 0 ELSE 1 END
FROM psu_batch b
JOIN answer a ON a.response_id = b.response_id
JOIN crit c ON c.question = a.question
LEFT JOIN satlev s ON s.question = a.question AND s.level = a.value
WHERE a.value IS NOT NULL"""


@dataclass(frozen=True)
class MohEstimate:
    value: float | None  # a mean score (1–5), or a share in percent
    se: float | None
    ci95: tuple[float, float] | None
    n: int  # valid answers (an item), responses that answered (a section, the overall, share)
    weight: float
    df: int


@dataclass(frozen=True)
class MohDomain:
    items: dict[str, MohEstimate]
    sections: dict[str, MohEstimate]
    overall: MohEstimate
    all_satisfied: MohEstimate


@dataclass(frozen=True)
class MohSums:
    """Per PSU (rows) of a set of units, per column (the items, then '@<section>' for each
    section, '@@all', '*'): Σ w·value, Σ w and n; each PSU's unit and stratum; the strata of
    the whole round."""

    total: np.ndarray  # (P, Q)
    weight: np.ndarray  # (P, Q)
    count: np.ndarray  # (P, Q)
    unit: np.ndarray  # (P,)
    stratum: np.ndarray  # (P,)
    strata: Strata
    cell_unit: np.ndarray  # the unit of every cell (unit, stratum key) of the round
    calibration: Calibration | None = None  # a raked round's residual terms (per cell)


def columns_of(spec: Spec) -> dict[str, int]:
    """Column of every item and pseudo-question in MohSums."""
    names = [*spec.criteria, *("@" + e for e in spec.elements), ALL, EVERY]
    return {name: i for i, name in enumerate(names)}


async def load_sums(
    session: AsyncSession,
    round_: Round,
    instrument: Instrument,
    design: Design,
    tree: UnitTree,
    volumes: Mapping[int, int | None],
    unit_ids: Collection[int],
) -> MohSums:
    """The PSU sums of the responses in ``unit_ids`` (strata and n_h of the whole round; a
    calibrated round's residual terms over every response)."""
    round_id = round_.id
    spec = Spec.of(instrument)
    dialect = session.get_bind().dialect
    crit, params = spec.ctes()
    if design.psu == "day":
        params["tz"] = design.tz_param(dialect.name)
    head = f"WITH {live_batch(round_id, design, dialect)}, {crit}" + PSU_BATCH
    every = await session.execute(text(head + CELL_PSUS), params)
    cells = {(int(u), str(s)): float(p) for u, s, p in every}
    cell_index = {cell: k for k, cell in enumerate(cells)}
    strata = Strata.of(design, tree, list(cells), np.array(list(cells.values())), volumes)
    sql = text(head + PSU_SUMS).bindparams(bindparam("units", expanding=True))
    columns = columns_of(spec)
    rows: list[Any] = []
    ids = sorted(unit_ids)
    for start in range(0, len(ids), CHUNK):
        chosen = {"units": ids[start : start + CHUNK], "all_q": ALL, "every_q": EVERY}
        rows += (await session.execute(sql, params | chosen)).all()
    found: dict[tuple[Any, ...], int] = {}
    place = np.fromiter((found.setdefault(r[:4], len(found)) for r in rows), int, len(rows))
    column = np.fromiter((columns[r[4]] for r in rows), int, len(rows))
    sums = np.array([r[5:] for r in rows], dtype=float).reshape(len(rows), 3)
    arrays = [np.zeros((len(found), len(columns))) for _ in range(3)]
    for k, array in enumerate(arrays):
        array[place, column] = sums[:, k]
    keys = list(found)
    of_cell = np.array([cell_index[(int(k[0]), str(k[1]))] for k in keys], dtype=int)
    calibration = None
    if design.weighting == "raked":
        calibration = await _calibration(
            session, round_, instrument, head, params, cell_index, strata
        )
    return MohSums(
        total=arrays[0],
        weight=arrays[1],
        count=arrays[2],
        unit=np.array([int(k[0]) for k in keys], dtype=np.int64),
        stratum=strata.of_cell[of_cell] if keys else np.zeros(0, dtype=int),
        strata=strata,
        cell_unit=np.array([u for u, _ in cells], dtype=np.int64),
        calibration=calibration,
    )


async def _calibration(
    session: AsyncSession,
    round_: Round,
    instrument: Instrument,
    head: str,
    params: dict[str, Any],
    cell_index: Mapping[tuple[int, str], int],
    strata: Strata,
) -> Calibration | None:
    """The residual terms of the round's active weight set over its every response, of the
    columns V (each response's score_c, ans_c, allsat, rated), per cell."""
    responses = (await session.execute(text(head + RESPONSES), params)).all()
    ids = [int(r[0]) for r in responses]
    model = await calibration_model(session, round_, instrument, ids)
    if model is None:
        return None
    columns = columns_of(Spec.of(instrument))
    size = len(instrument.criteria)
    row = {rid: i for i, rid in enumerate(ids)}
    v = np.zeros((len(ids), 2 * size + 2))
    rated = np.zeros(len(ids), dtype=bool)
    allsat = np.ones(len(ids), dtype=bool)
    for rid, question, value, y in await session.execute(text(head + SCORES), params):
        i, c = row[int(rid)], columns[question]
        v[i, c], v[i, size + c] = float(value), 1.0
        rated[i] = True
        allsat[i] &= bool(y)
    v[:, 2 * size], v[:, 2 * size + 1] = rated & allsat, rated
    cell = np.array([cell_index[(int(r[1]), str(r[2]))] for r in responses], dtype=np.intp)
    psus = [(int(cell[i]), str(r[3]) if r[3] else f"#{r[0]}") for i, r in enumerate(responses)]
    w = np.array([float(r[4]) for r in responses])
    return calibration_terms(model, cell, psus, w, v, len(cell_index), strata.of_cell, strata.scale)


def estimate_domain(
    sums: MohSums, instrument: Instrument, unit_ids: Collection[int], ci: str
) -> MohDomain:
    """Every item, section and overall mean and the all-satisfied share of a set of units."""
    size, sections = len(instrument.criteria), len(instrument.elements)
    every, rated_at = size + sections + 1, size + sections
    member = np.isin(sums.unit, list(unit_ids))
    total, weight = sums.total[member], sums.weight[member]
    count = sums.count[member]
    # V per PSU: Σ w·score_c, Σ w·ans_c, Σ w·allsat, Σ w·rated
    v = np.concatenate(
        [total[:, :size], weight[:, :size], total[:, [rated_at]], weight[:, [rated_at]]], axis=1
    )
    sums_v, n, w = v.sum(axis=0), count.sum(axis=0), weight.sum(axis=0)
    y, x = sums_v[:size], sums_v[size : 2 * size]
    available = x > 0
    mean = np.divide(y, x, out=np.zeros(size), where=available)
    a = combinations(instrument, available)
    b = np.zeros((len(a) + 1, 2 * size + 2))
    b[:-1, :size] = np.divide(a, x, out=np.zeros_like(a), where=available)
    b[:-1, size : 2 * size] = -np.divide(a * mean, x, out=np.zeros_like(a), where=available)
    allsat, rated = sums_v[2 * size], sums_v[2 * size + 1]
    share = allsat / rated if rated else 0.0
    if rated:
        b[-1, 2 * size], b[-1, 2 * size + 1] = 1.0 / rated, -share / rated
    cells = np.isin(sums.cell_unit, list(unit_ids))
    variance, df = _variance(sums, member, cells, v, b, count[:, every] > 0)
    points = np.append(a @ mean, share)
    has = np.append((a != 0).any(axis=1), rated > 0)
    # n and weight of each estimate: an item's valid answers; a section's, the overall's and
    # the share's respondents who rated one of their items
    where = [*range(size + sections), rated_at, rated_at]
    found = [
        _mean(bool(has[e]), float(points[e]), float(variance[e]), int(n[k]), float(w[k]), df)
        for e, k in enumerate(where[:-1])
    ]
    rate = _share(bool(has[-1]), share, float(variance[-1]), int(n[rated_at]), float(rated), df, ci)
    codes = [q.code for q in instrument.criteria]
    return MohDomain(
        items=dict(zip(codes, found[:size], strict=True)),
        sections={e.code: found[size + i] for i, e in enumerate(instrument.elements)},
        overall=found[-1],
        all_satisfied=rate,
    )


def _variance(
    sums: MohSums,
    member: np.ndarray,
    cells: np.ndarray,
    v: np.ndarray,
    b: np.ndarray,
    responded: np.ndarray,
) -> tuple[np.ndarray, int]:
    """The design variance of every row of b (inference.design_variance over the round's
    strata, the domain's single-PSU strata as the round's lonely_psu says; a calibrated
    round's residuals, ``cells`` the domain's) and the domain's df (its PSUs − its strata,
    R's degf(subset(design, domain)))."""
    strata, stratum = sums.strata, sums.stratum[member]
    gram = (v * strata.scale[stratum][:, None]).T @ v
    totals = np.zeros((len(strata.centre), v.shape[1]))
    np.add.at(totals, stratum, v)
    present = np.zeros(len(strata.centre), dtype=bool)
    present[stratum[responded]] = True
    kept = present
    if sums.calibration is not None:
        gram, totals = sums.calibration.adjust(cells, gram, totals)
        kept = np.ones(len(strata.centre), dtype=bool)  # R's subset keeps every row
    variance = design_variance(b, gram, totals, strata.centre) * strata.lonely_factor(kept)
    return variance, int(responded.sum()) - int(present.sum())


def _mean(has: bool, value: float, variance: float, n: int, weight: float, df: int) -> MohEstimate:
    """A mean score with mean ± t(0.975, df)·SE (R confint(…, df = degf(sub)))."""
    if not has:
        return MohEstimate(None, None, None, n, weight, df)
    if math.isnan(variance):  # lonely "average" without a stratum of several PSUs
        return MohEstimate(value, None, None, n, weight, df)
    se = math.sqrt(variance)
    half = t_quantile(0.975, df) * se if df >= 1 else None
    ci = (value - half, value + half) if half is not None else None
    return MohEstimate(value, se, ci, n, weight, df)


def _share(
    has: bool, p: float, variance: float, n: int, weight: float, df: int, ci: str
) -> MohEstimate:
    """The all-satisfied share in percent, its interval by the round's method."""
    if not has:
        return MohEstimate(None, None, None, n, weight, df)
    if math.isnan(variance):
        return MohEstimate(100.0 * p, None, None, n, weight, df)
    se = math.sqrt(variance)
    return MohEstimate(100.0 * p, 100.0 * se, interval(ci, p, se, df, n), n, weight, df)
