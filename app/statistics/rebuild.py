"""Cross-products for a large batch (a rebuild, a live read) without a self-join of answers.

A rebuild (pair_sums) fetches each response's two masks, in order of cell, and sums the
outer products of their bit vectors in numpy, one matrix product per cell and fetch. A live
read (pooled_pairs) keeps the wide SQL aggregates described next.

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

from app.statistics.cells import CA_CTE, Spec

Decoder = Callable[[Sequence[Sequence[Any]]], list[list[Any]]]
MAX_CRITERIA = 62  # bits of a signed 64-bit integer
PAIRS_PER_QUERY = 240  # × 4 products: below both backends' column limits
PRODUCTS = (("am", "am"), ("sm", "am"), ("am", "sm"), ("sm", "sm"))  # x·x, y·x, x·y, y·y
MASKS = """
CREATE TEMP TABLE tally_masks AS
WITH {crit}, {ca}, bits(question, bit) AS (VALUES {bits})
SELECT b.unit_id, b.given, b.skey, b.f, b.sign,
       -- PostgreSQL sums bigint into numeric, which has no bit shifts
       CAST(SUM(bits.bit) AS BIGINT) AS am, CAST(SUM(bits.bit * ca.y) AS BIGINT) AS sm
FROM tally_batch b
JOIN ca ON ca.response_id = b.response_id
JOIN bits ON bits.question = ca.question
GROUP BY b.qid, b.response_id, b.unit_id, b.given, b.skey, b.f, b.sign"""
INSERT_PAIR = text(
    "INSERT INTO tally_pair (round_id, unit_id, given, skey, q1, q2, s_n, s_y1, s_y2, s_y12, "
    "g_n, g_y1, g_y2, g_y12) VALUES (:round_id, :unit_id, :given, :skey, :q1, :q2, :s_n, "
    ":s_y1, :s_y2, :s_y12, :g_n, :g_y1, :g_y2, :g_y12) "
    "ON CONFLICT (round_id, unit_id, given, skey, q1, q2) DO UPDATE SET "
    + ", ".join(
        f"{c} = tally_pair.{c} + excluded.{c}"
        for c in ("s_n", "s_y1", "s_y2", "s_y12", "g_n", "g_y1", "g_y2", "g_y12")
    )
)


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
MASK_ROWS = """SELECT unit_id, given, skey, sign * f, sign * f * f, am, sm FROM tally_masks
WHERE unit_id BETWEEN :low AND :high ORDER BY unit_id, given, skey"""
FETCH = 100_000  # mask rows per fetch (whole units): (FETCH × 2C) float64, a few tens of MB


async def pair_sums(
    session: AsyncSession, spec: Spec, params: dict[str, Any], response_level_g: bool
) -> None:
    """Add the batch's pair sums to tally_pair: s_* always, g_* (Σ f²·…) when each response
    is its own PSU (clustered designs add their PSU Gram separately).

    The database reduces each response to its masks (one GROUP BY); the cross-products of a
    cell are then one matrix product over its responses' bit vectors v = (y, x):
    Σ w·v·v' (numpy, rows fetched in ranges of units, in order of cell), instead of hundreds
    of aggregate expressions per row in SQL."""
    crit, spec_params = spec.ctes()
    values = {**params, **spec_params}
    await session.execute(text(MASKS.format(crit=crit, ca=CA_CTE, bits=_bits(spec))), values)
    size = len(spec.criteria)
    grams: dict[tuple[int, bool, str], np.ndarray] = {}
    for low, high in _unit_ranges(await _rows(session, MASK_UNITS, {})):
        chunk = await _rows(session, MASK_ROWS, {"low": low, "high": high})
        _add_grams(grams, chunk, size, response_level_g)
    await session.execute(text("DROP TABLE tally_masks"))
    rows = [
        _row(spec, params["round_id"], (*key, c, d), _pair_values(m, size, c, d))
        for key, m in grams.items()
        for c, d in combinations_with_replacement(range(size), 2)
    ]
    await _insert_pairs(session, rows)


PAIR_NAMES = ("s_n", "s_y1", "s_y2", "s_y12", "g_n", "g_y1", "g_y2", "g_y12")
PAIR_TYPES = ("INTEGER", "BOOLEAN", "VARCHAR", "VARCHAR", "VARCHAR", *["FLOAT8"] * 8)
UNNEST_PAIRS = text(
    "INSERT INTO tally_pair (round_id, unit_id, given, skey, q1, q2, "
    + ", ".join(PAIR_NAMES)
    + ") SELECT :round_id, * FROM unnest("
    + ", ".join(f"CAST(:a{i} AS {t}[])" for i, t in enumerate(PAIR_TYPES))
    + ") ON CONFLICT (round_id, unit_id, given, skey, q1, q2) DO UPDATE SET "
    + ", ".join(f"{c} = tally_pair.{c} + excluded.{c}" for c in PAIR_NAMES)
)
PAIR_COLUMNS = ("unit_id", "given", "skey", "q1", "q2", *PAIR_NAMES)


async def _insert_pairs(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Add the rows to tally_pair: PostgreSQL, one statement over arrays (unnest), not a
    statement per row; SQLite (in-process), executemany."""
    for start in range(0, len(rows), 50_000):
        part = rows[start : start + 50_000]
        if session.get_bind().dialect.name != "postgresql":
            await session.execute(INSERT_PAIR, part)
            continue
        arrays = {f"a{i}": [r[c] for r in part] for i, c in enumerate(PAIR_COLUMNS)}
        await session.execute(UNNEST_PAIRS, {"round_id": part[0]["round_id"], **arrays})


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


def _add_grams(
    grams: dict[tuple[int, bool, str], np.ndarray],
    chunk: Sequence[Sequence[Any]],
    size: int,
    response_level_g: bool,
) -> None:
    """Add Σ w1·v·v' (and Σ w2·v·v') of the chunk's rows to their cells' (2, 2C, 2C) sums."""
    keys = [(int(r[0]), bool(r[1]), str(r[2])) for r in chunk]
    w = np.array([(r[3], r[4]) for r in chunk], dtype=float)
    masks = np.array([(r[6], r[5]) for r in chunk], dtype=np.int64)  # (sm: y, am: x)
    shifts = np.arange(size, dtype=np.int64)
    v = ((masks[:, :, None] >> shifts) & 1).reshape(len(chunk), 2 * size).astype(float)
    bounds = [0] + [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]] + [len(keys)]
    for start, end in itertools.pairwise(bounds):
        part = v[start:end]
        target = grams.setdefault(keys[start], np.zeros((2, 2 * size, 2 * size)))
        target[0] += (part * w[start:end, :1]).T @ part
        if response_level_g:
            target[1] += (part * w[start:end, 1:]).T @ part


def _pair_values(m: np.ndarray, size: int, c: int, d: int) -> list[float]:
    """(s_n, s_y1, s_y2, s_y12, g_…) of criteria c, d: Σ x_c·x_d, y_c·x_d, x_c·y_d, y_c·y_d."""
    xc, xd = size + c, size + d
    return [float(m[k, i, j]) for k in (0, 1) for i, j in ((xc, xd), (c, xd), (xc, d), (c, d))]


def _row(
    spec: Spec, round_id: int, key: tuple[int, bool, str, int, int], v: list[float]
) -> dict[str, Any]:
    """Stored with q1 <= q2 as strings, as the answer self-join stores them."""
    unit_id, given, skey, c, d = key
    q1, q2 = spec.criteria[c], spec.criteria[d]
    if q1 > q2:  # y1·x2 and x1·y2 change places
        q1, q2 = q2, q1
        v = [v[0], v[2], v[1], v[3], v[4], v[6], v[5], v[7]]
    names = ("s_n", "s_y1", "s_y2", "s_y12", "g_n", "g_y1", "g_y2", "g_y12")
    return {
        "round_id": round_id,
        "unit_id": unit_id,
        "given": given,
        "skey": skey,
        "q1": q1,
        "q2": q2,
    } | dict(zip(names, v, strict=True))
