"""Cross-products for a large batch (a rebuild) without a self-join of answers.

A self-join makes one row per answered pair of criteria per response (C²/2 per response:
250 M rows for a million responses). Instead the database reduces each response to two bit
masks (answered, satisfied), then sums every pair's products of bits per cell in wide
aggregate queries (a few hundred columns each): the same sums, one row per cell, no row
explosion. Only cells × pairs rows come back to be stored.
"""

from __future__ import annotations

from itertools import combinations_with_replacement
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.statistics.cells import CA_CTE, Spec

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


def _wide(pairs: list[tuple[int, int]], power: int) -> str:
    weight = "sign * f" + " * f" * (power - 1)
    sums = ", ".join(
        f"SUM({weight} * (({a} >> {c}) & ({b} >> {d}) & 1))" for c, d in pairs for a, b in PRODUCTS
    )
    return f"SELECT unit_id, given, skey, {sums} FROM tally_masks GROUP BY unit_id, given, skey"


async def pair_sums(
    session: AsyncSession, spec: Spec, params: dict[str, Any], response_level_g: bool
) -> None:
    """Add the batch's pair sums to tally_pair: s_* always, g_* (Σ f²·…) when each response
    is its own PSU (clustered designs add their PSU Gram separately)."""
    crit, spec_params = spec.ctes()
    bits = ", ".join(f"(:c{i}, {1 << i})" for i in range(len(spec.criteria)))
    values = {**params, **spec_params}
    await session.execute(text(MASKS.format(crit=crit, ca=CA_CTE, bits=bits)), values)
    pairs = list(combinations_with_replacement(range(len(spec.criteria)), 2))
    sums: dict[tuple[int, bool, str, int, int], list[float]] = {}
    for power, offset in ((1, 0), (2, 4)) if response_level_g else ((1, 0),):
        for start in range(0, len(pairs), PAIRS_PER_QUERY):
            chunk = pairs[start : start + PAIRS_PER_QUERY]
            for row in await session.execute(text(_wide(chunk, power))):
                for p, (c, d) in enumerate(chunk):
                    key = (int(row[0]), bool(row[1]), str(row[2]), c, d)
                    target = sums.setdefault(key, [0.0] * 8)
                    target[offset : offset + 4] = row[3 + 4 * p : 7 + 4 * p]
    await session.execute(text("DROP TABLE tally_masks"))
    rows = [_row(spec, params["round_id"], key, v) for key, v in sums.items()]
    if rows:
        await session.execute(INSERT_PAIR, rows)


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
