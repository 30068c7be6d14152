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
from dataclasses import dataclass, replace
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
from app.statistics.cellstore import (
    Cell,
    Held,
    Layout,
    cell_arrays,
    cell_pairs,
    current_cells,
    pair_positions,
)
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
    # (G, P, 8) in Layout order: per group Σ over its cells of m·s (4) and c_h·m²·g (4);
    # from kept cells they are pooled when first asked for (``pairs()``), from ``source``
    pooled: np.ndarray | None = None
    source: CellPairs | None = None
    cells: list[Cell] | None = None  # the cells kept in memory (app.statistics.cellstore)
    held: Held | None = None  # what the process keeps of the round, with ``cells``

    @property
    def pairs_kept(self) -> bool:
        return self.held is not None and self.held.pairs_kept

    @property
    def units(self) -> np.ndarray:
        return np.array([k[0] for k in self.keys], dtype=np.int64)

    @property
    def paired(self) -> bool:
        return self.group is not None

    @property
    def layout(self) -> Layout:
        return Layout.of(self.spec)

    def pairs(self) -> np.ndarray:
        """(G, P, 8): the pair sums of each group (see ``pooled``)."""
        if self.pooled is None:
            assert self.source is not None and self.group is not None
            self.pooled = self.source.pool(self.group)
        return self.pooled

    def grams(
        self, groups: np.ndarray, scale: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(S1, G): the 2C×2C cross-products of the groups pooled (Σ m·s1, Σ c_h·m²·g);
        ``scale``: each group's share (its s1 sums count by the share, its g by its square)."""
        chosen = self.pairs()[groups]
        if scale is None:
            summed = chosen.sum(axis=0)
        else:
            summed = np.concatenate(
                [
                    np.einsum("g,gpc->pc", scale, chosen[..., 0:4]),
                    np.einsum("g,gpc->pc", scale**2, chosen[..., 4:8]),
                ],
                axis=-1,
            )
        size, layout = len(self.spec.criteria), self.layout
        at = (np.zeros(len(layout.i), dtype=int), layout.i, layout.j)
        matrices = []
        for columns in (slice(0, 4), slice(4, 8)):
            target = np.zeros((1, 2 * size, 2 * size))
            _fill(target, at, summed[:, columns])
            matrices.append(target[0])
        return matrices[0], matrices[1]


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
    q1, q2, g×4 when the PSU products come separately); rows of one (group, q1, q2) add up
    (pooled in chunks of cells)."""
    count = int(group.max()) + 1 if len(group) else 0
    pooled = np.zeros((count, len(stats.layout.index), 8))
    if grams is None:
        _add_rows(pooled, stats.layout, pairs, 0, 8)
    else:
        _add_rows(pooled, stats.layout, pairs, 0, 4)
        _add_rows(pooled, stats.layout, grams, 4, 4)
    return replace(stats, group=group, pooled=pooled)


SWAPPED = np.array([0, 2, 1, 3])  # (n, y1·x2, x1·y2, y1·y2) of (q2, q1)


def _add_rows(
    pooled: np.ndarray, layout: Layout, rows: Sequence[Sequence[Any]], first: int, width: int
) -> None:
    """Add rows (group, q1, q2, ``width`` sums) at columns first…first + width of their
    pair; a pair given as (q2, q1) has its cross terms swapped. Columns at a time: a ranking
    of thousands of units pooled in SQL returns a million rows."""
    if not rows:
        return
    group, q1, q2, *sums = zip(*rows, strict=True)
    at = pair_positions(layout, q1, q2)
    values = np.array(sums[:width], dtype=float).T
    swapped = np.flatnonzero(at < 0)
    if len(swapped):  # (q2, q1): stored the other way round (a live read's criterion order)
        at[swapped] = pair_positions(layout, [q2[k] for k in swapped], [q1[k] for k in swapped])
        order = np.concatenate([SWAPPED, SWAPPED + 4])[:width]
        values[swapped] = values[swapped][:, order]
    keep = at >= 0  # others: not criteria of this instrument
    groups = np.array(group, dtype=int)
    np.add.at(pooled[:, :, first : first + width], (groups[keep], at[keep]), values[keep])


WEIGHT_COLUMNS = "w(unit_id, given, skey, grp, gm, sm)"
# PostgreSQL: the cells' multipliers as six arrays (any number of cells: asyncpg takes at most
# 32,767 parameters); SQLite: VALUES rows, at most CHUNK_CELLS cells per statement.
UNNEST_WEIGHTS = (
    f"{WEIGHT_COLUMNS} AS (SELECT * FROM unnest(CAST(:wu AS INTEGER[]), "
    "CAST(:wb AS BOOLEAN[]), CAST(:wk AS TEXT[]), CAST(:wr AS INTEGER[]), "
    "CAST(:wg AS FLOAT8[]), CAST(:ws AS FLOAT8[])))"
)
CHUNK_CELLS = 20_000  # × 6 parameters: below SQLite's limit (250,000 in Debian's build)


def _weights_cte(weights: PairWeights, dialect: str) -> tuple[str, dict[str, Any]]:
    if dialect == "postgresql":
        names = ("wu", "wb", "wk", "wr", "wg", "ws")
        return UNNEST_WEIGHTS, {n: [row[k] for row in weights] for k, n in enumerate(names)}
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
    return f"{WEIGHT_COLUMNS} AS (VALUES {', '.join(rows)})", params


def _weight_chunks(weights: PairWeights, dialect: str) -> list[tuple[str, dict[str, Any]]]:
    """The ``w`` CTE of every chunk of cells (one chunk on PostgreSQL)."""
    step = len(weights) if dialect == "postgresql" else CHUNK_CELLS
    return [_weights_cte(weights[i : i + step], dialect) for i in range(0, len(weights), step)]


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
    kept in memory per process (app.statistics.cellstore)."""
    found = await current_cells(session, round_id, spec, signature, design.clustered)
    if found is None:
        rows = await _rows(session, MAINTAINED_CELLS, {"round_id": round_id})
        return assemble(spec, design, rows)
    cells, held = found
    kept = list(cells.values())
    t = np.stack([c.t for c in kept])
    psus = np.stack([c.psus for c in kept])
    return RoundStats(spec, list(cells), t, psus, cells=kept, held=held)


async def pairs_maintained(
    session: AsyncSession,
    round_id: int,
    stats: RoundStats,
    group: np.ndarray,
    multipliers: tuple[np.ndarray, np.ndarray],
) -> RoundStats:
    """``stats`` with the cross-products of each group of cells (multipliers: of g and s1):
    pooled in memory where the round's pairs are kept, else by the database (only the
    cells of a group are read)."""
    inside = np.flatnonzero(group >= 0)
    if not len(inside):  # no cell in any domain asked for (a unit new since that round)
        return with_pairs(stats, group, [], None)
    if stats.cells is None or stats.held is None or not stats.held.pairs_kept:
        dialect = session.get_bind().dialect.name
        rows = []
        for cte, params in _weight_chunks(pair_weights(stats, group, *multipliers), dialect):
            sql = f"WITH {cte} " + _pooled("tally_pair", "p.round_id = :round_id", S_AND_G)
            rows += await _rows(session, sql, params | {"round_id": round_id})
        return with_pairs(stats, group, rows, None)
    cells = [stats.cells[k] for k in inside]
    keys = [stats.keys[k] for k in inside]
    sums = await cell_pairs(session, stats.held, cells, keys, len(stats.keys))
    scale = np.stack([multipliers[1][inside], multipliers[0][inside]], axis=1)
    return replace(stats, group=group, source=CellPairs(inside, sums, scale))


POOL_CHUNK = 512  # cells scaled at a time (each ~16 KB of pairs): a bounded temporary


@dataclass(frozen=True)
class CellPairs:
    """The pair sums of the cells in a group (``inside``: their indices), as kept in memory,
    and their multipliers (K', 2): of the s sums (m) and of the g sums (c_h·m²)."""

    inside: np.ndarray
    sums: np.ndarray  # (K', 2, P, 4): s sums, g sums (app.statistics.cellstore)
    scale: np.ndarray

    def pool(self, group: np.ndarray) -> np.ndarray:
        """(G, P, 8): Σ over each group's cells of the cell's sums × its multipliers; cells
        taken in order of group (sums of contiguous runs), so the cost is cells × pairs
        whatever the groups."""
        pairs = self.sums.shape[2]
        pooled = np.zeros((int(group.max()) + 1, pairs, 8))
        order = np.argsort(group[self.inside], kind="stable")
        for start in range(0, len(order), POOL_CHUNK):
            part = order[start : start + POOL_CHUNK]
            scaled = self.sums[part] * self.scale[part][:, :, None, None]
            groups = group[self.inside[part]]
            bounds = np.flatnonzero(np.diff(groups, prepend=-2))
            summed = np.add.reduceat(scaled, bounds, axis=0)  # (runs, 2, P, 4)
            pooled[groups[bounds]] += summed.transpose(0, 2, 1, 3).reshape(len(bounds), pairs, 8)
        return pooled


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
    dialect = session.get_bind().dialect
    pairs: list[Any] = []
    grams: list[Any] | None = [] if design.clustered else None
    for cte, more in _weight_chunks(weights, dialect.name):
        head, params = live_head(round_id, design, stats.spec, dialect, split)
        head, params = f"{head}, {cte}", params | more
        found, psu_grams = await _pairs_live(session, design, stats.spec, head, params)
        pairs += found
        if grams is not None and psu_grams is not None:
            grams += psu_grams
    return with_pairs(stats, group, pairs, grams)


async def _pairs_live(
    session: AsyncSession, design: Design, spec: Spec, head: str, params: dict[str, Any]
) -> tuple[list[Any], list[Any] | None]:
    """Pooled pair rows of the live batch (and the PSU Grams of clustered designs)."""
    if usable(spec):
        sql, decode = pooled_pairs(spec, response_level_g=not design.clustered)
        pairs = decode(await _rows(session, f"{head}, {sql}", params))
    else:
        pooled = _pooled(f"({PAIRS_SELECT})", "TRUE", S_AND_G)
        pairs = await _rows(session, f"{head} {pooled}", params)
    grams = None
    if design.clustered:
        psu = psu_gram_read("tc", "TRUE")
        sql = f"{head}, tc AS MATERIALIZED ({CELLS_SELECT}) " + _pooled(f"({psu})", "TRUE", G_ONLY)
        grams = await _rows(session, sql, params)
    return pairs, grams
