"""A round's sufficient statistics as arrays: per cell (unit, weight kind, stratum key) the
sums of every question and the cross-product matrices of the criteria.

Layout of a criterion vector (length 2C): y_c (satisfied) at c, x_c (answered) at C + c.
``s1[k]`` = Σ_i f_i·v_i·v_i' over the cell's responses; ``g[k]`` = Σ_j V_j·V_j' over its PSUs
(V_j = Σ_{i∈j} f_i·v_i; with single-response PSUs g = Σ f²·v·v'). Cells of responses without
a base weight hold f = 1: the unit's derived weight multiplies when estimates are made.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.statistics.cells import (
    CA_CTE,
    CELLS_SELECT,
    PAIRS_SELECT,
    Spec,
    cells_read,
    live_batch,
    psu_gram_read,
)
from app.statistics.design import Design

CellKey = tuple[int, bool, str]
MAINTAINED_CELLS = """
SELECT unit_id, given, skey, question, n, n_sat, sw, sw_sat, psus FROM tally_cell
WHERE round_id = :round_id AND pkey = ''"""
PAIR_COLUMNS = "unit_id, given, skey, q1, q2, s_n, s_y1, s_y2, s_y12, g_n, g_y1, g_y2, g_y12"


@dataclass
class RoundStats:
    spec: Spec
    keys: list[CellKey]
    t: np.ndarray  # (K, Q, 4): n, n_sat, Σf, Σf·y per question (Spec.questions order)
    psus: np.ndarray  # (K, Q): PSUs with a valid answer (clustered designs; else = n)
    s1: np.ndarray  # (K, 2C, 2C)
    g: np.ndarray  # (K, 2C, 2C)
    paired: bool = True  # False: cross-products not loaded (point estimates only)

    @property
    def units(self) -> np.ndarray:
        return np.array([k[0] for k in self.keys], dtype=np.int64)


def _fill(
    target: np.ndarray, at: tuple[np.ndarray, np.ndarray, np.ndarray], values: np.ndarray
) -> None:
    """Rows (n = Σ x1·x2, Σ y1·x2, Σ x1·y2, Σ y1·y2) of (cell, q1 <= q2) into the symmetric
    2C×2C block layout."""
    k, i, j = at
    size = target.shape[1] // 2
    n, y1, y2, y12 = values.T
    xi, xj = i + size, j + size
    for (r, c), v in (((i, j), y12), ((i, xj), y1), ((xi, j), y2), ((xi, xj), n)):
        target[k, r, c] = v
        target[k, c, r] = v


def _pair_positions(
    rows: Sequence[Sequence[Any]], where: dict[CellKey, int], index: dict[str, int], size: int
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """(cell, q1, q2) positions of the rows that belong to known cells and criteria."""
    k = np.array([where.get((int(r[0]), bool(r[1]), str(r[2])), -1) for r in rows], dtype=int)
    i = np.array([index.get(r[3], size) for r in rows], dtype=int)
    j = np.array([index.get(r[4], size) for r in rows], dtype=int)
    keep = (k >= 0) & (i < size) & (j < size)
    return (k[keep], i[keep], j[keep]), keep


def assemble(
    spec: Spec,
    design: Design,
    cells: Sequence[Sequence[Any]],
    pairs: Sequence[Sequence[Any]],
    grams: Sequence[Sequence[Any]],
    pair_units: Collection[int] | None = None,
    maintained: bool = False,
) -> RoundStats:
    """Arrays from the rows of cells (unit, given, skey, question, n, n_sat, Σf, Σf·y, PSUs),
    pairs (PAIR_COLUMNS) and, computed live in a clustered design, psu_gram_read."""
    index = {q: i for i, q in enumerate(spec.questions)}
    keys = sorted({(int(r[0]), bool(r[1]), str(r[2])) for r in cells})
    where = {key: k for k, key in enumerate(keys)}
    size = len(spec.criteria)
    t = np.zeros((len(keys), len(index), 4))
    psus = np.zeros((len(keys), len(index)))
    for unit, given, skey, question, n, n_sat, sw, sw_sat, kept in cells:
        q = index.get(question)
        if q is not None:
            k = where[(int(unit), bool(given), str(skey))]
            t[k, q] = (n, n_sat, sw, sw_sat)
            psus[k, q] = kept if design.clustered else n
    s1 = np.zeros((len(keys), 2 * size, 2 * size))
    g = np.zeros_like(s1)
    if pairs:
        at, keep = _pair_positions(pairs, where, index, size)
        values = np.array([r[5:13] for r in pairs], dtype=float)[keep]
        _fill(s1, at, values[:, :4])
        if maintained or not design.clustered:
            _fill(g, at, values[:, 4:])
    if grams:  # Σ X1·X2, Σ Y1·X2, Σ X1·Y2, Σ Y1·Y2 over PSUs (live, clustered)
        at, keep = _pair_positions(grams, where, index, size)
        _fill(g, at, np.array([r[5:9] for r in grams], dtype=float)[keep])
    paired = pair_units is None or bool(pair_units)
    return RoundStats(spec, keys, t, psus, s1, g, paired)


async def _pairs_and_grams(
    session: AsyncSession,
    design: Design,
    params: dict[str, Any],
    pairs_sql: str,
    grams_sql: str,
    pair_units: Collection[int] | None,
) -> tuple[list[Any], list[Any]]:
    if pair_units is not None and not pair_units:
        return [], []
    pairs = await _rows(
        session, pairs_sql + _units_filter("unit_id", pair_units), params, pair_units
    )
    grams: list[Any] = []
    if design.clustered:
        grams_sql += _units_filter("c1.unit_id", pair_units)
        grams = await _rows(session, grams_sql, params, pair_units)
    return pairs, grams


def _units_filter(column: str, units: Collection[int] | None) -> str:
    return "" if units is None else f" AND {column} IN :units"


async def _rows(
    session: AsyncSession,
    sql: str,
    params: dict[str, Any],
    units: Collection[int] | None = None,
) -> list[Any]:
    statement = text(sql)
    values = dict(params)
    if units is not None:
        statement = statement.bindparams(bindparam("units", expanding=True))
        values["units"] = list(units)
    return list((await session.execute(statement, values)).all())


async def load_maintained(
    session: AsyncSession,
    round_id: int,
    design: Design,
    spec: Spec,
    pair_units: Collection[int] | None = None,
) -> RoundStats:
    """From the maintained tallies (fold the queue first: app.statistics.maintained).
    ``pair_units``: units whose cross-products are read (None: all; empty: none)."""
    params: dict[str, Any] = {"round_id": round_id}
    cells = await _rows(session, MAINTAINED_CELLS, params)
    pairs: list[Any] = []
    if pair_units is None or pair_units:
        sql = f"SELECT {PAIR_COLUMNS} FROM tally_pair WHERE round_id = :round_id"
        pairs = await _rows(session, sql + _units_filter("unit_id", pair_units), params, pair_units)
    return assemble(spec, design, cells, pairs, [], pair_units, maintained=True)


async def load_live(
    session: AsyncSession,
    round_id: int,
    design: Design,
    spec: Spec,
    pair_units: Collection[int] | None = None,
) -> RoundStats:
    """Straight from responses and answers with their current weights (any weighting)."""
    dialect = session.get_bind().dialect
    crit, params = spec.ctes()
    if design.psu == "day":
        params["tz"] = design.tz_param(dialect.name)
    head = f"WITH {live_batch(round_id, design, dialect)}, {crit}, {CA_CTE}"
    cells = await _rows(session, head + cells_read(f"({CELLS_SELECT}) d"), params)
    pairs, grams = await _pairs_and_grams(
        session,
        design,
        params,
        f"{head} SELECT {PAIR_COLUMNS} FROM ({PAIRS_SELECT}) p WHERE TRUE",
        f"{head}, tc AS MATERIALIZED ({CELLS_SELECT}) " + psu_gram_read("tc", "TRUE"),
        pair_units,
    )
    return assemble(spec, design, cells, pairs, grams, pair_units)
