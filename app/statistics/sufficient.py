"""A round's sufficient statistics as arrays: per cell (unit, weight kind, stratum key) the
sums of every question and the cross-product matrices of the criteria.

Layout of a criterion vector (length 2C): y_c (satisfied) at c, x_c (answered) at C + c.
Per cell, s1 = Σ_i f_i·v_i·v_i' over its responses and g = Σ_j V_j·V_j' over its PSUs
(V_j = Σ_{i∈j} f_i·v_i; with single-response PSUs g = Σ f²·v·v'). Cells of responses without
a base weight hold f = 1: the unit's derived weight multiplies when estimates are made.

The cross-products are read pooled: the database sums them over the cells of each group
(a set of cells that every domain of interest either contains or not) with each cell's
multipliers, so a report reads groups × pairs rows, not cells × pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.statistics.cells import (
    CA_CTE,
    CELLS_SELECT,
    PAIRS_SELECT,
    Spec,
    Split,
    cells_read,
    live_batch,
    psu_gram_read,
)
from app.statistics.cellstore import Cell, Layout, cell_arrays, cell_pairs, current_cells
from app.statistics.design import PART_SEP, Design
from app.statistics.rebuild import pooled_pairs, usable

CellKey = tuple[int, bool, str]
MAINTAINED_CELLS = """
SELECT unit_id, given, skey, question, n, n_sat, sw, sw_sat, psus FROM tally_cell
WHERE round_id = :round_id AND pkey = ''"""


@dataclass
class RoundStats:
    spec: Spec
    keys: list[CellKey]
    t: np.ndarray  # (K, Q, 4): n, n_sat, Σf, Σf·y per question (Spec.questions order)
    psus: np.ndarray  # (K, Q): PSUs with a valid answer (clustered designs; else = n)
    group: np.ndarray | None = None  # (K,): group of each cell, -1 for none
    s1: np.ndarray | None = None  # (G, 2C, 2C): Σ over the group's cells of m·s1
    g: np.ndarray | None = None  # (G, 2C, 2C): Σ over the group's cells of c_h·m²·g
    cells: list[Cell] | None = None  # the cells kept in memory (app.statistics.cellstore)

    @property
    def units(self) -> np.ndarray:
        return np.array([k[0] for k in self.keys], dtype=np.int64)

    @property
    def paired(self) -> bool:
        return self.group is not None


# Per cell: (unit, given, skey, group, multiplier of g, multiplier of s1)
PairWeights = list[tuple[int, bool, str, int, float, float]]


def _fill(
    target: np.ndarray, at: tuple[np.ndarray, np.ndarray, np.ndarray], values: np.ndarray
) -> None:
    """Rows (Σ x1·x2, Σ y1·x2, Σ x1·y2, Σ y1·y2) of (group, q1 <= q2) into the symmetric
    2C×2C block layout."""
    k, i, j = at
    size = target.shape[1] // 2
    n, y1, y2, y12 = values.T
    xi, xj = i + size, j + size
    for (r, c), v in (((i, j), y12), ((i, xj), y1), ((xi, j), y2), ((xi, xj), n)):
        target[k, r, c] = v
        target[k, c, r] = v


def _positions(
    rows: Sequence[Sequence[Any]], index: dict[str, int], size: int
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """(group, q1, q2) positions of the rows about known criteria."""
    k = np.array([int(r[0]) for r in rows], dtype=int)
    i = np.array([index.get(r[1], size) for r in rows], dtype=int)
    j = np.array([index.get(r[2], size) for r in rows], dtype=int)
    keep = (i < size) & (j < size)
    return (k[keep], i[keep], j[keep]), keep


def assemble(spec: Spec, design: Design, cells: Sequence[Sequence[Any]]) -> RoundStats:
    """Arrays from the rows of cells (unit, given, skey, question, n, n_sat, Σf, Σf·y, PSUs)."""
    arrays = cell_arrays(spec, design.clustered, cells)
    keys = sorted(arrays)
    size = len(spec.questions)
    t = np.array([arrays[k][0] for k in keys]).reshape(len(keys), size, 4)
    psus = np.array([arrays[k][1] for k in keys]).reshape(len(keys), size)
    return RoundStats(spec, keys, t, psus)


def pair_weights(
    stats: RoundStats, group: np.ndarray, gm: np.ndarray, sm: np.ndarray
) -> PairWeights:
    """Per cell in a group: its key, group and the multipliers of its g and s1 rows."""
    return [
        (unit, given, skey, int(group[k]), float(gm[k]), float(sm[k]))
        for k, (unit, given, skey) in enumerate(stats.keys)
        if group[k] >= 0
    ]


def with_pairs(
    stats: RoundStats,
    group: np.ndarray,
    pairs: Sequence[Sequence[Any]],
    grams: Sequence[Sequence[Any]] | None,
) -> RoundStats:
    """``stats`` with pooled cross-products (rows: group, q1, q2, s×4, g×4; ``grams``: group,
    q1, q2, g×4 when the PSU products come separately)."""
    size = len(stats.spec.criteria)
    index = {q: i for i, q in enumerate(stats.spec.criteria)}
    count = int(group.max()) + 1 if len(group) else 0
    s1 = np.zeros((count, 2 * size, 2 * size))
    g = np.zeros_like(s1)
    if pairs:
        at, keep = _positions(pairs, index, size)
        values = np.array([r[3:11] for r in pairs], dtype=float)[keep]
        _fill(s1, at, values[:, :4])
        if grams is None:
            _fill(g, at, values[:, 4:])
    if grams:
        at, keep = _positions(grams, index, size)
        _fill(g, at, np.array([r[3:7] for r in grams], dtype=float)[keep])
    return RoundStats(stats.spec, stats.keys, stats.t, stats.psus, group, s1, g)


def _weights_cte(weights: PairWeights) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {}
    rows = []
    for i, (unit, given, skey, grp, gm, sm) in enumerate(weights):
        params.update(
            {
                f"wu{i}": unit,
                f"wb{i}": given,
                f"wk{i}": skey,
                f"wr{i}": grp,
                f"wg{i}": gm,
                f"ws{i}": sm,
            }
        )
        rows.append(
            f"(CAST(:wu{i} AS INTEGER), CAST(:wb{i} AS BOOLEAN), CAST(:wk{i} AS TEXT), "
            f"CAST(:wr{i} AS INTEGER), CAST(:wg{i} AS FLOAT), CAST(:ws{i} AS FLOAT))"
        )
    return f"w(unit_id, given, skey, grp, gm, sm) AS (VALUES {', '.join(rows)})", params


S_AND_G = [("sm", c) for c in ("s_n", "s_y1", "s_y2", "s_y12")] + [
    ("gm", c) for c in ("g_n", "g_y1", "g_y2", "g_y12")
]
G_ONLY = S_AND_G[4:]


def _pooled(source: str, where: str, columns: list[tuple[str, str]]) -> str:
    """Pair rows summed per group, each cell's row times its multiplier."""
    sums = ", ".join(f"SUM(w.{m} * p.{c})" for m, c in columns)
    return (
        f"SELECT w.grp, p.q1, p.q2, {sums} FROM {source} p "
        "JOIN w ON w.unit_id = p.unit_id AND w.given = p.given AND w.skey = p.skey "
        f"WHERE {where} GROUP BY w.grp, p.q1, p.q2"
    )


async def _rows(session: AsyncSession, sql: str, params: dict[str, Any]) -> list[Any]:
    return list((await session.execute(text(sql), params)).all())


async def load_maintained(
    session: AsyncSession, round_id: int, design: Design, spec: Spec, signature: str
) -> RoundStats:
    """Cells from the maintained tallies (fold the queue first: app.statistics.maintained),
    those kept in memory where the round is (app.statistics.cellstore)."""
    cells = await current_cells(session, round_id, spec, signature, design.clustered)
    if cells is None:
        rows = await _rows(session, MAINTAINED_CELLS, {"round_id": round_id})
        return assemble(spec, design, rows)
    kept = list(cells.values())
    t = np.stack([c.t for c in kept])
    return RoundStats(spec, list(cells), t, np.stack([c.psus for c in kept]), cells=kept)


async def pairs_maintained(
    session: AsyncSession,
    round_id: int,
    stats: RoundStats,
    group: np.ndarray,
    multipliers: tuple[np.ndarray, np.ndarray],
) -> RoundStats:
    """``stats`` with the cross-products of each group of cells (multipliers: of g and s1)."""
    if stats.cells is None:
        cte, params = _weights_cte(pair_weights(stats, group, *multipliers))
        sql = f"WITH {cte} " + _pooled("tally_pair", "p.round_id = :round_id", S_AND_G)
        rows = await _rows(session, sql, params | {"round_id": round_id}) if len(params) else []
        return with_pairs(stats, group, rows, None)
    inside = np.flatnonzero(group >= 0)
    if not len(inside):  # no cell in any domain asked for (a unit new since that round)
        return with_pairs(stats, group, [], None)
    layout = Layout.of(stats.spec)
    cells = [stats.cells[k] for k in inside]
    keys = [stats.keys[k] for k in inside]
    sums = await cell_pairs(session, round_id, layout, cells, keys, len(stats.keys))
    return _pool_cells(stats, group, inside, sums, layout, multipliers)


def _pool_cells(
    stats: RoundStats,
    group: np.ndarray,
    inside: np.ndarray,
    sums: np.ndarray,
    layout: Layout,
    multipliers: tuple[np.ndarray, np.ndarray],
) -> RoundStats:
    """Σ over each group's cells of multiplier × the cell's pair sums, in the 2C×2C layout."""
    count, size, pairs = int(group.max()) + 1, len(stats.spec.criteria), len(layout.index)
    at = (np.repeat(np.arange(count), pairs), np.tile(layout.i, count), np.tile(layout.j, count))
    matrices = []
    for multiplier, columns in ((multipliers[1], slice(0, 4)), (multipliers[0], slice(4, 8))):
        weights = np.zeros((count, len(inside)))
        weights[group[inside], np.arange(len(inside))] = multiplier[inside]
        pooled = weights @ sums[:, :, columns].reshape(len(inside), -1)
        target = np.zeros((count, 2 * size, 2 * size))
        _fill(target, at, pooled.reshape(-1, 4))
        matrices.append(target)
    s1, g = matrices
    return RoundStats(stats.spec, stats.keys, stats.t, stats.psus, group, s1, g)


def live_head(
    round_id: int, design: Design, spec: Spec, dialect: Any, split: Split | None
) -> tuple[str, dict[str, Any]]:
    crit, params = spec.ctes()
    if design.psu == "day":
        params["tz"] = design.tz_param(dialect.name)
    if split is not None:
        params["part_sep"] = PART_SEP
    return f"WITH {live_batch(round_id, design, dialect, split)}, {crit}, {CA_CTE}", params


async def load_live(
    session: AsyncSession, round_id: int, design: Design, spec: Spec, split: Split | None = None
) -> RoundStats:
    """Cells straight from responses and answers with their current weights (any weighting);
    ``split``: of its units' responses only, per category too."""
    head, params = live_head(round_id, design, spec, session.get_bind().dialect, split)
    return assemble(
        spec, design, await _rows(session, head + cells_read(f"({CELLS_SELECT}) d"), params)
    )


async def pairs_live(
    session: AsyncSession,
    round_id: int,
    design: Design,
    stats: RoundStats,
    group: np.ndarray,
    weights: PairWeights,
    split: Split | None = None,
) -> RoundStats:
    if not weights:
        return with_pairs(stats, group, [], None)
    head, params = live_head(round_id, design, stats.spec, session.get_bind().dialect, split)
    cte, more = _weights_cte(weights)
    head, params = f"{head}, {cte}", params | more
    if usable(stats.spec):
        sql, decode = pooled_pairs(stats.spec, response_level_g=not design.clustered)
        pairs = decode(await _rows(session, f"{head}, {sql}", params))
    else:
        pooled = _pooled(f"({PAIRS_SELECT})", "TRUE", S_AND_G)
        pairs = await _rows(session, f"{head} {pooled}", params)
    grams = None
    if design.clustered:
        psu = psu_gram_read("tc", "TRUE")
        sql = f"{head}, tc AS MATERIALIZED ({CELLS_SELECT}) " + _pooled(f"({psu})", "TRUE", G_ONLY)
        grams = await _rows(session, sql, params)
    return with_pairs(stats, group, pairs, grams)
