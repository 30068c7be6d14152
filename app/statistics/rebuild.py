"""Cross-products for a large batch (a rebuild, a live read) without a self-join of answers.

A rebuild or a large fold (batch_sums) has the database reduce each response to two masks
(one GROUP BY of answers per response), fetches them in order of cell and sums in numpy: the
outer products of their bit vectors (one matrix product per cell and fetch) and, for designs
whose PSUs are single responses, the cells' counts and sums; then adds both to the tallies in
one statement per 50,000 rows. A live read (pooled_pairs) keeps the wide SQL aggregates
described next.

A self-join makes one row per answered pair of criteria per response (C²/2 per response:
250 M rows for a million responses). Instead the database reduces each response to two bit
masks (answered, satisfied), then sums every pair's products of bits per cell in wide
aggregate queries (a few hundred columns each): the same sums, one row per cell, no row
explosion. Only cells × pairs rows come back to be stored.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from itertools import combinations_with_replacement
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.statistics.cells import ANY, EVERY, Spec

Decoder = Callable[[Sequence[Sequence[Any]]], list[list[Any]]]
MAX_CRITERIA = 62  # bits of a signed 64-bit integer
PAIRS_PER_QUERY = 240  # × 4 products: below both backends' column limits
PRODUCTS = (("am", "am"), ("sm", "am"), ("am", "sm"), ("sm", "sm"))  # x·x, y·x, x·y, y·y


def usable(spec: Spec) -> bool:
    return len(spec.criteria) <= MAX_CRITERIA


def _products(c: int, d: int, weight: str) -> list[str]:
    """Σ weight·(x·x, y·x, x·y, y·y) of criteria c and d, from the masks ``am`` and ``sm``."""
    return [f"SUM({weight} * (({a} >> {c}) & ({b} >> {d}) & 1))" for a, b in PRODUCTS]


def _wide(pairs: list[tuple[int, int]], power: int) -> str:
    weight = "sign * f" + " * f" * (power - 1)
    sums = ", ".join(s for c, d in pairs for s in _products(c, d, weight))
    return f"SELECT unit_id, given, skey, {sums} FROM tally_masks GROUP BY unit_id, given, skey"


def _bits(spec: Spec) -> str:
    return ", ".join(f"(:c{i}, {1 << i})" for i in range(len(spec.criteria)))


# The live batch's responses as masks, with their group and multipliers (CTE ``w``).
POOLED_MASKS = """
bits(question, bit) AS (VALUES {bits}),
masks AS MATERIALIZED (
  SELECT w.grp, w.sm AS ms, w.gm AS mg, b.f,
         CAST(SUM(bits.bit) AS BIGINT) AS am, CAST(SUM(bits.bit * ca.y) AS BIGINT) AS sm
  FROM tally_batch b
  JOIN ca ON ca.response_id = b.response_id
  JOIN bits ON bits.question = ca.question
  JOIN w ON w.unit_id = b.unit_id AND w.given = b.given AND w.skey = b.skey
  GROUP BY b.response_id, w.grp, w.sm, w.gm, b.f
)"""


def pooled_pairs(spec: Spec, response_level_g: bool) -> tuple[str, Decoder]:
    """CTEs and a statement (after a live head and ``w``) that sum every pair's products per
    group, each response's times its cell's multipliers: Σ m·f·(…) and, when each response is
    its own PSU, Σ c_h·m²·f²·(…); one UNION ALL of wide chunks, with a decoder of its rows
    into (group, q1, q2, s×4, g×4) rows."""
    pairs = list(combinations_with_replacement(range(len(spec.criteria)), 2))
    items = [(c, d, 0, "ms * f") for c, d in pairs]
    if response_level_g:
        items += [(c, d, 4, "mg * f * f") for c, d in pairs]
    chunks = [items[i : i + PAIRS_PER_QUERY] for i in range(0, len(items), PAIRS_PER_QUERY)]
    width = 4 * max((len(chunk) for chunk in chunks), default=0)
    selects = []
    for k, chunk in enumerate(chunks):
        sums = [s for c, d, _, weight in chunk for s in _products(c, d, weight)]
        sums += ["0.0"] * (width - len(sums))
        selects.append(f"SELECT grp, {k}, {', '.join(sums)} FROM masks GROUP BY grp")
    sql = f"{POOLED_MASKS.format(bits=_bits(spec))} {' UNION ALL '.join(selects)}"

    def decode(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
        found: dict[tuple[int, int, int], list[Any]] = {}
        for row in rows:
            for p, (c, d, offset, _) in enumerate(chunks[int(row[1])]):
                target = found.setdefault((int(row[0]), c, d), [0.0] * 8)
                target[offset : offset + 4] = row[2 + 4 * p : 6 + 4 * p]
        return [[g, spec.criteria[c], spec.criteria[d], *v] for (g, c, d), v in found.items()]

    return sql, decode


MASK_UNITS = "SELECT unit_id, COUNT(*) FROM tally_masks GROUP BY unit_id ORDER BY unit_id"
MASK_ROWS = """SELECT unit_id, given, skey, sign, sign * f, sign * f * f, am, sm FROM tally_masks
WHERE unit_id BETWEEN :low AND :high ORDER BY unit_id, given, skey"""
FETCH = 100_000  # mask rows per fetch (whole units): (FETCH × 2C) float64, a few tens of MB
# Every batch row with its masks (0 when it answered no criterion, so that '*' counts it):
# the answers are reduced per response first (one GROUP BY over answer, no batch columns in
# its key), then joined to the batch (a response folded twice keeps both rows).
BATCH_MASKS = """
CREATE TEMP TABLE tally_masks AS
WITH {crit}, bits(question, bit) AS (VALUES {bits}),
m AS (
  SELECT a.response_id, CAST(SUM(bits.bit) AS BIGINT) AS am,
         CAST(SUM(CASE WHEN s.question IS NULL THEN 0 ELSE bits.bit END) AS BIGINT) AS sm
  FROM answer a
  JOIN bits ON bits.question = a.question
  LEFT JOIN satlev s ON s.question = a.question AND s.level = a.value
  WHERE a.value IS NOT NULL AND a.response_id IN (SELECT response_id FROM tally_batch)
  GROUP BY a.response_id
)
SELECT b.unit_id, b.given, b.skey, b.f, b.sign, COALESCE(m.am, 0) AS am,
       COALESCE(m.sm, 0) AS sm
FROM tally_batch b LEFT JOIN m ON m.response_id = b.response_id"""
HASH_MEMORY = "SET LOCAL work_mem = '64MB'"  # PostgreSQL: the per-response hash in memory


async def batch_sums(
    session: AsyncSession,
    spec: Spec,
    params: dict[str, Any],
    response_level_g: bool,
    cells: bool,
    fresh: bool = False,
) -> None:
    """Add the batch's pair sums to tally_pair: s_* always, g_* (Σ f²·…) when each response
    is its own PSU (clustered designs add their PSU Gram separately); and (``cells``, designs
    whose cells are single-response PSUs) its cells to tally_cell, psus = n.

    The database reduces each response to its masks (one GROUP BY of answers per response);
    everything else is sums over a cell's responses' bit vectors v = (y, x) in numpy, rows
    fetched in ranges of units, in order of cell: the cross-products are one matrix product
    Σ w·v·v' per cell, the cells' counts and sums vector products (the same sums as
    CELLS_SELECT and PAIRS_SELECT, without their joins of answers). ``fresh``: the round has
    no rows in the tables written (a rebuild deleted them), so rows are inserted, not added."""
    crit, spec_params = spec.ctes()
    values = {**params, **spec_params}
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(HASH_MEMORY))
    sql = BATCH_MASKS.format(crit=crit, bits=_bits(spec))
    await session.execute(text(sql), values)
    layout = _Layout(spec)
    sums: dict[tuple[int, bool, str], _CellSums] = {}
    for low, high in _unit_ranges(await _rows(session, MASK_UNITS, {})):
        chunk = await _rows(session, MASK_ROWS, {"low": low, "high": high})
        _add_chunk(sums, chunk, layout, response_level_g)
    await session.execute(text("DROP TABLE tally_masks"))
    round_id = params["round_id"]
    pairs = [(key, s.gram) for key, s in sums.items() if s.answered]
    arrays = _pair_arrays(layout, pairs)
    await _insert(session, "tally_pair", PAIR_KEY, PAIR_NAMES, arrays, round_id, fresh)
    if cells:
        arrays = _cell_arrays(layout, sums)
        await _insert(session, "tally_cell", CELL_KEY, CELL_NAMES, arrays, round_id, fresh)


class _Layout:
    """Where each of a spec's sums sits: criteria c at bits c of the masks (v = (y, x), so
    y_c at c and x_c at C + c), the questions of cells in order (criteria, '*', '@', then
    '@<element>' of each criterion's element; '@' again for criteria without element), and
    the pairs (q1 <= q2 as strings) with the entries of a (2C, 2C) Gram for s_n, s_y1, s_y2,
    s_y12."""

    def __init__(self, spec: Spec) -> None:
        size = self.size = len(spec.criteria)
        self.questions = [*spec.criteria, EVERY, ANY]
        # criteria of each element, in the order CELLS_SELECT's '@' || element names them
        self.elements: list[tuple[int, int]] = []  # (column, mask)
        for element in dict.fromkeys(spec.element_of[q] for q in spec.criteria):
            mask = sum(1 << c for c, q in enumerate(spec.criteria) if spec.element_of[q] == element)
            name = ANY + element
            if name not in self.questions:
                self.questions.append(name)
            self.elements.append((self.questions.index(name), mask))
        q1, q2, rows, cols = [], [], [], []
        for c, d in combinations_with_replacement(range(size), 2):
            xc, xd, yc, yd = size + c, size + d, c, d
            a, b = spec.criteria[c], spec.criteria[d]
            if a > b:  # stored with q1 <= q2: y1·x2 and x1·y2 change places
                a, b, xc, xd, yc, yd = b, a, xd, xc, yd, yc
            q1.append(a)
            q2.append(b)
            rows.append((xc, yc, xc, yc))  # x1·x2, y1·x2, x1·y2, y1·y2
            cols.append((xd, xd, yd, yd))
        self.q1, self.q2 = q1, q2
        self.rows, self.cols = np.array(rows), np.array(cols)


class _CellSums:
    def __init__(self, layout: _Layout) -> None:
        width = len(layout.questions)
        self.gram = np.zeros((2, 2 * layout.size, 2 * layout.size))
        self.rows = np.zeros(width)  # batch rows counted in each question's cell
        self.n, self.n_sat = np.zeros(width), np.zeros(width)
        self.sw, self.sw_sat = np.zeros(width), np.zeros(width)
        self.answered = False  # some response answered a criterion: the cell has pairs


def _add_chunk(
    sums: dict[tuple[int, bool, str], _CellSums],
    chunk: Sequence[Sequence[Any]],
    layout: _Layout,
    response_level_g: bool,
) -> None:
    """Add the chunk's rows (in order of cell) to their cells' sums."""
    size = layout.size
    keys = [(int(r[0]), bool(r[1]), str(r[2])) for r in chunk]
    w = np.array([(r[3], r[4], r[5]) for r in chunk], dtype=float)  # sign, sign·f, sign·f²
    masks = np.array([(r[7], r[6]) for r in chunk], dtype=np.int64)  # (sm: y, am: x)
    shifts = np.arange(size, dtype=np.int64)
    v = ((masks[:, :, None] >> shifts) & 1).reshape(len(chunk), 2 * size).astype(float)
    q = np.zeros((len(chunk), len(layout.questions)))  # each row's count in each question
    q[:, :size] = v[:, size:]
    q[:, size] = 1.0
    q[:, size + 1] += masks[:, 1] != 0
    for column, mask in layout.elements:
        q[:, column] += (masks[:, 1] & mask) != 0
    bounds = [0] + [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]] + [len(keys)]
    for start, end in itertools.pairwise(bounds):
        part, weights, counted = v[start:end], w[start:end], q[start:end]
        target = sums.get(keys[start])
        if target is None:
            target = sums[keys[start]] = _CellSums(layout)
        target.gram[0] += (part * weights[:, 1:2]).T @ part
        if response_level_g:
            target.gram[1] += (part * weights[:, 2:3]).T @ part
        target.rows += counted.sum(axis=0)
        target.n += weights[:, 0] @ counted
        target.sw += weights[:, 1] @ counted
        target.n_sat[:size] += weights[:, 0] @ part[:, :size]
        target.sw_sat[:size] += weights[:, 1] @ part[:, :size]
        target.answered = target.answered or bool(masks[start:end, 1].any())


def _pair_arrays(
    layout: _Layout, grams: list[tuple[tuple[int, bool, str], np.ndarray]]
) -> list[list[Any]]:
    """Columns (unit_id, given, skey, q1, q2, s_n … g_y12) of every cell's pairs."""
    count = len(layout.q1)
    units, givens, skeys = _key_columns([key for key, _ in grams], count)
    sums = [
        np.concatenate([m[k][layout.rows[:, i], layout.cols[:, i]] for _, m in grams]).tolist()
        if grams
        else []
        for k in (0, 1)
        for i in range(4)
    ]
    return [units, givens, skeys, layout.q1 * len(grams), layout.q2 * len(grams), *sums]


def _cell_arrays(layout: _Layout, sums: dict[tuple[int, bool, str], _CellSums]) -> list[list[Any]]:
    """Columns (unit_id, given, skey, pkey, question, n, n_sat, sw, sw_sat, psus) of the
    cells that some batch row counts in (psus = n: each response is its own PSU)."""
    columns: list[list[Any]] = [[] for _ in CELL_NAMES_ALL]
    for (unit, given, skey), s in sums.items():
        found = np.flatnonzero(s.rows)
        k = len(found)
        n = np.rint(s.n[found]).astype(np.int64).tolist()
        values = (
            [unit] * k,
            [given] * k,
            [skey] * k,
            [""] * k,
            [layout.questions[j] for j in found],
            n,
            np.rint(s.n_sat[found]).astype(np.int64).tolist(),
            s.sw[found].tolist(),
            s.sw_sat[found].tolist(),
            n,
        )
        for column, part in zip(columns, values, strict=True):
            column.extend(part)
    return columns


def _key_columns(
    keys: list[tuple[int, bool, str]], repeat: int
) -> tuple[list[int], list[bool], list[str]]:
    return (
        [k[0] for k in keys for _ in range(repeat)],
        [k[1] for k in keys for _ in range(repeat)],
        [k[2] for k in keys for _ in range(repeat)],
    )


PAIR_KEY = ("unit_id", "given", "skey", "q1", "q2")
PAIR_NAMES = ("s_n", "s_y1", "s_y2", "s_y12", "g_n", "g_y1", "g_y2", "g_y12")
CELL_KEY = ("unit_id", "given", "skey", "pkey", "question")
CELL_NAMES = ("n", "n_sat", "sw", "sw_sat", "psus")
CELL_NAMES_ALL = (*CELL_KEY, *CELL_NAMES)
SQL_TYPES = {"unit_id": "INTEGER", "given": "BOOLEAN", "n": "BIGINT", "n_sat": "BIGINT"}
SQL_TYPES |= {"psus": "BIGINT", "sw": "FLOAT8", "sw_sat": "FLOAT8"}
SQL_TYPES |= {name: "FLOAT8" for name in PAIR_NAMES}
ROWS_PER_STATEMENT = 50_000


def _upsert_sql(
    table: str, key: tuple[str, ...], sums: tuple[str, ...], postgres: bool, fresh: bool
) -> str:
    """Add rows to a table of sums: PostgreSQL, one statement over arrays (unnest), not a
    statement per row; SQLite (in-process), a statement for executemany. ``fresh``: plain
    rows, no conflict possible (a quarter cheaper on PostgreSQL than ON CONFLICT)."""
    names = (*key, *sums)
    update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in sums)
    conflict = "" if fresh else f"ON CONFLICT (round_id, {', '.join(key)}) DO UPDATE SET {update}"
    if postgres:
        arrays = ", ".join(
            f"CAST(:a{i} AS {SQL_TYPES.get(c, 'VARCHAR')}[])" for i, c in enumerate(names)
        )
        source = f"SELECT :round_id, * FROM unnest({arrays})"
    else:
        source = f"VALUES (:round_id, {', '.join(':a' + str(i) for i in range(len(names)))})"
    return f"INSERT INTO {table} (round_id, {', '.join(names)}) {source} {conflict}"


async def _insert(
    session: AsyncSession,
    table: str,
    key: tuple[str, ...],
    sums: tuple[str, ...],
    columns: list[list[Any]],
    round_id: int,
    fresh: bool,
) -> None:
    """Add the rows given as columns to the table (ON CONFLICT: their sums added)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    sql = text(_upsert_sql(table, key, sums, postgres, fresh))
    total = len(columns[0])
    for start in range(0, total, ROWS_PER_STATEMENT):
        part = [column[start : start + ROWS_PER_STATEMENT] for column in columns]
        if postgres:
            arrays = {f"a{i}": values for i, values in enumerate(part)}
            await session.execute(sql, {"round_id": round_id, **arrays})
        else:
            rows = [
                {"round_id": round_id, **{f"a{i}": v for i, v in enumerate(row)}}
                for row in zip(*part, strict=True)
            ]
            await session.execute(sql, rows)


async def _rows(session: AsyncSession, sql: str, params: dict[str, Any]) -> list[Any]:
    return list((await session.execute(text(sql), params)).all())


def _unit_ranges(counts: Sequence[Sequence[Any]]) -> list[tuple[int, int]]:
    """Consecutive units in ranges of about FETCH rows (a plain query per range: a
    server-side cursor would keep the temporary table in use until the transaction ends)."""
    ranges: list[tuple[int, int]] = []
    low, rows = None, 0
    for unit, count in counts:
        low = unit if low is None else low
        rows += int(count)
        if rows >= FETCH:
            ranges.append((low, unit))
            low, rows = None, 0
    if low is not None:
        ranges.append((low, int(counts[-1][0])))
    return ranges
