"""Bring round DEMO-2026 to exactly --total responses with set-based SQL (no HTTP, no ORM).

Responses are spread evenly over the 6 demo counters; each gets 16 rating answers (about 30%
of the FBK items "na", the rest 1..5 skewed towards satisfied), plus field, gender and
age_band, as the public form stores them: 19 answer rows per response.

    python bench/seed_bulk.py --dsn postgresql://postgres@127.0.0.1:5432/sipas_bench_report \
        --total 100000
"""

from __future__ import annotations

import argparse
import asyncio
import time

import asyncpg
from gen_bodies import COUNTERS, CRITERIA

# The same counters and criteria as the generated form bodies.

NEW_RESPONSES = """
CREATE TEMP TABLE new_response ON COMMIT DROP AS
WITH u AS (
    SELECT id, (array_position($3::text[], code) - 1) AS k FROM unit WHERE code = ANY($3::text[])
)
SELECT nextval(pg_get_serial_sequence('response', 'id')) AS id, u.id AS unit_id, g
FROM generate_series(1, $1::int) AS g JOIN u ON u.k = g % $2::int
"""
INSERT_RESPONSES = """
INSERT INTO response (id, submission_id, round_id, unit_id, form_version_id, channel, status,
                      base_weight, submitted_at)
SELECT n.id, gen_random_uuid()::text, $1, n.unit_id, $2, 'qr', 'valid', NULL,
       now() - (n.g % 5000) * interval '1 minute'
FROM new_response n
"""
INSERT_RATINGS = """
INSERT INTO answer (response_id, question, ordinal, value, text)
SELECT n.id, q.code, 0,
       CASE WHEN r.na THEN NULL ELSE r.level END,
       CASE WHEN r.na THEN 'na' END
FROM new_response n
CROSS JOIN unnest($1::text[]) AS q(code)
CROSS JOIN LATERAL (
    SELECT (q.code LIKE 'FBK%' AND random() < 0.3) AS na,
           (ARRAY[1, 2, 3, 3, 4, 4, 4, 5, 5, 5])[1 + floor(random() * 10)::int]::float8 AS level
    OFFSET 0
) AS r
"""
INSERT_CHOICES = """
INSERT INTO answer (response_id, question, ordinal, value, text)
SELECT n.id, c.code, 0, NULL,
       c.options[1 + floor(random() * array_length(c.options, 1))::int]
FROM new_response n
CROSS JOIN (VALUES
    ('field', ARRAY['land', 'civil_status', 'certification', 'construction', 'business', 'other']),
    ('gender', ARRAY['male', 'female']),
    ('age_band', ARRAY['18_24', '25_34', '35_49', '50_60', 'over_60'])
) AS c(code, options)
"""


async def seed(dsn: str, total: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        round_id = await conn.fetchval("SELECT id FROM round WHERE code = 'DEMO-2026'")
        form_version_id = await conn.fetchval(
            "SELECT id FROM form_version WHERE code = 'one-stop-counter' ORDER BY id DESC LIMIT 1"
        )
        if round_id is None or form_version_id is None:
            raise SystemExit("run `sipas demo --no-serve` first")
        have = await conn.fetchval("SELECT count(*) FROM response WHERE round_id = $1", round_id)
        missing = total - have
        started = time.perf_counter()
        if missing > 0:
            async with conn.transaction():
                await conn.execute(NEW_RESPONSES, missing, len(COUNTERS), COUNTERS)
                await conn.execute(INSERT_RESPONSES, round_id, form_version_id)
                await conn.execute(INSERT_RATINGS, CRITERIA)
                await conn.execute(INSERT_CHOICES)
        await conn.execute("VACUUM ANALYZE response")
        await conn.execute("VACUUM ANALYZE answer")
        responses = await conn.fetchval(
            "SELECT count(*) FROM response WHERE round_id = $1", round_id
        )
        answers = await conn.fetchval("SELECT count(*) FROM answer")
        per_unit = await conn.fetch(
            "SELECT u.code, count(*) FROM response r JOIN unit u ON u.id = r.unit_id "
            "WHERE r.round_id = $1 GROUP BY u.code ORDER BY u.code",
            round_id,
        )
        took = time.perf_counter() - started
        spread = ", ".join(f"{r['code']}={r['count']}" for r in per_unit)
        print(
            f"seeded {max(missing, 0)} responses in {took:.1f}s (incl. VACUUM ANALYZE); "
            f"round DEMO-2026 now has {responses} responses, {answers} answers; {spread}"
        )
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--total", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(seed(args.dsn, args.total))


if __name__ == "__main__":
    main()
