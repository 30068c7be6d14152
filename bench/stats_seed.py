"""Seed a statistics benchmark round once, set-based in the database (no row loops in Python).

One province, 20 departments, 379 counters (400 units); round BENCH-STATS on the 22-criterion
instrument sipas-2017; responses spread unevenly over counters and over 60 days; each answers
the 22 criteria (10 % N/A), satisfied with a probability that depends on the counter and on
the respondent (so criteria are correlated, as real answers are).

    python bench/stats_seed.py --url postgresql://postgres@127.0.0.1:5432/sipas_stats --n 1000000
    python bench/stats_seed.py --url sqlite:////tmp/sipas-stats-bench.db --n 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.config import Settings
from app.db import Database
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.migrate import upgrade

FORM = "sipas-2017"
ROUND = "BENCH-STATS"
DEPARTMENTS, COUNTERS = 20, 379
# Pseudo-random integers in [0, 1000003) from a row number and a salt, the same on both
# backends (integer arithmetic only: PostgreSQL rounds a CAST, SQLite truncates).
RND = "((({x}) * 2654435761 + {salt} * 40503) % 1000003)"

# Counter of a response: skewed (density ∝ 1/√c). r1/1000 takes 1,001 values, enough for the
# default 379 counters (kept, so that earlier seeds are reproduced); thousands of counters
# use r1 itself (r1² fits in 64 bits), so that every counter gets responses.
COARSE = "({r1} / 1000) * ({r1} / 1000) * {counters} / 1002001"
FINE = "(({r1}) * ({r1}) / 1000003) * {counters} / 1000003"
RESPONSES = """
INSERT INTO response (id, submission_id, round_id, unit_id, form_version_id, channel, status,
                      base_weight, submitted_at)
SELECT :offset + g.x, 'bench-' || (:offset + g.x), :round_id,
       :first_counter + {spread}, :form_version, 'qr',
       'valid', NULL, {moment}
FROM {series}
"""
ANSWERS = """
INSERT INTO answer (response_id, question, ordinal, value, text)
SELECT u.id, u.code, 0,
       CASE WHEN u.na < 100000 THEN NULL
            WHEN u.sat < 1000003 * (0.55 + 0.4 * ((u.unit_id % 17) / 17.0)
                                    + 0.3 * (u.mood / 1000003.0 - 0.5))
            THEN 4 + u.pick % 2 ELSE 1 + u.pick % 3 END,
       CASE WHEN u.na < 100000 THEN 'na' END
FROM (SELECT r.id, r.unit_id, q.code, {draws}
      FROM response r CROSS JOIN ({codes}) q WHERE r.round_id = :round_id) u
"""


def series(dialect: str, n: int) -> str:
    if dialect == "postgresql":
        return f"generate_series(CAST(1 AS BIGINT), {n}) AS g(x)"
    return (
        f"(WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {n}) "
        "SELECT x FROM s) AS g"
    )


def moment(dialect: str) -> str:
    minutes = "((g.x * 7919) % (60 * 24 * 60))"
    if dialect == "postgresql":
        return f"TIMESTAMPTZ '2026-09-01 00:00:00+00' + {minutes} * INTERVAL '1 minute'"
    return f"datetime('2026-09-01 00:00:00', '+' || {minutes} || ' minutes')"


def answers_sql(codes: list[str]) -> str:
    values = " UNION ALL ".join(f"SELECT '{c}' AS code, {i} AS k" for i, c in enumerate(codes))
    draws = ", ".join(
        f"{RND.format(x=x, salt=salt)} AS {name}"
        for name, x, salt in [
            ("na", "r.id * 31 + q.k", 1),
            ("sat", "r.id * 37 + q.k", 2),
            ("pick", "r.id * 41 + q.k", 3),
            ("mood", "r.id", 4),
        ]
    )
    return ANSWERS.format(codes=values, draws=draws)


async def units(conn: AsyncConnection) -> None:
    if await conn.scalar(text("SELECT id FROM unit WHERE code = 'BP'")):
        return
    await conn.execute(
        text(
            "INSERT INTO unit (code, name, level, parent_id, created_at) "
            "VALUES ('BP', 'Tỉnh bench', 'province', NULL, CURRENT_TIMESTAMP)"
        )
    )
    top = await conn.scalar(text("SELECT id FROM unit WHERE code = 'BP'"))
    for d in range(DEPARTMENTS):
        await conn.execute(
            text(
                "INSERT INTO unit (code, name, level, parent_id, created_at) VALUES "
                "(:c, :c, 'department', :p, CURRENT_TIMESTAMP)"
            ),
            {"c": f"BD{d:02d}", "p": top},
        )
    departments = (
        (await conn.execute(text("SELECT id FROM unit WHERE level = 'department' ORDER BY id")))
        .scalars()
        .all()
    )
    for c in range(COUNTERS):
        await conn.execute(
            text(
                "INSERT INTO unit (code, name, level, parent_id, created_at) VALUES "
                "(:c, :c, 'counter', :p, CURRENT_TIMESTAMP)"
            ),
            {"c": f"BC{c:03d}", "p": departments[c % DEPARTMENTS]},
        )
    # as `sipas units import` audits it: reports keep the hierarchy in memory until the next
    # audited unit change (app.units.history), so without one every report resolves it again
    await conn.execute(
        text(
            "INSERT INTO audit_event (at, actor, action, object_type, object_id, changes) "
            "VALUES (CURRENT_TIMESTAMP, 'cli', 'unit.import', 'unit', 'BP', '{}')"
        )
    )


async def units_and_round(conn: AsyncConnection, code: str) -> tuple[int, int]:
    await units(conn)
    first = await conn.scalar(text("SELECT min(id) FROM unit WHERE level = 'counter'"))
    await conn.execute(
        text(
            "INSERT INTO round (code, name, form_code, status, starts_on, ends_on, created_at, "
            "weighting, design_fpc) VALUES (:c, 'Bench', :f, 'closed', '2026-09-01', '2026-10-31', "
            "CURRENT_TIMESTAMP, 'volume', FALSE)"
        ),
        {"c": code, "f": FORM},
    )
    round_id = await conn.scalar(text("SELECT id FROM round WHERE code = :c"), {"c": code})
    await conn.execute(
        text(
            "INSERT INTO round_unit (round_id, unit_id, volume) "
            "SELECT :r, id, 20000 + (id * 7919) % 180000 FROM unit WHERE level = 'counter'"
        ),
        {"r": round_id},
    )
    return int(first), int(round_id)


async def advance_sequence(conn: AsyncConnection, table: str) -> None:
    """PostgreSQL: after inserting explicit ids, move the id sequence past them, or the next
    ordinary INSERT (a citizen's submission) fails with a duplicate key. SQLite's INTEGER
    PRIMARY KEY takes max(id) + 1 by itself."""
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        )


async def seed(url: str, n: int, code: str) -> None:
    settings = Settings(database_url=url)
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    codes = [q.code for q in catalogue._loaded[FORM].instrument.criteria]
    dialect = db.engine.dialect.name
    try:
        async with db.write_sessions.begin() as session:
            await register_forms(session, catalogue)
        form_version = catalogue.get(FORM).version_id
        started = time.perf_counter()
        async with db.engine.begin() as conn:
            if await conn.scalar(text("SELECT id FROM round WHERE code = :c"), {"c": code}):
                raise SystemExit(f"{code} exists: seed once")
            first, round_id = await units_and_round(conn, code)
            r1 = RND.format(x="g.x", salt=5)
            offset = await conn.scalar(text("SELECT COALESCE(max(id), 0) FROM response"))
            await conn.execute(
                text(
                    RESPONSES.format(
                        spread=(COARSE if COUNTERS <= 1000 else FINE).format(
                            r1=r1, counters=COUNTERS
                        ),
                        moment=moment(dialect),
                        series=series(dialect, n),
                    )
                ),
                {
                    "round_id": round_id,
                    "first_counter": first,
                    "form_version": form_version,
                    "offset": offset,
                },
            )
            took_r = time.perf_counter() - started
            await advance_sequence(conn, "response")
            await conn.execute(text(answers_sql(codes)), {"round_id": round_id})
        took = time.perf_counter() - started
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE"))
            answers = await conn.scalar(text("SELECT count(*) FROM answer"))
        print(
            f"{dialect}: {n} responses in {took_r:.1f}s, {answers} answers, "
            f"total {took:.1f}s (+ analyze {time.perf_counter() - started - took:.1f}s)"
        )
    finally:
        await db.dispose()


def main() -> None:
    global DEPARTMENTS, COUNTERS
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--round", default=ROUND)
    parser.add_argument("--departments", type=int, default=DEPARTMENTS)
    parser.add_argument("--counters", type=int, default=COUNTERS, help="e.g. 4000 (ranking)")
    args = parser.parse_args()
    DEPARTMENTS, COUNTERS = args.departments, args.counters
    upgrade(args.url)  # Alembic runs its own event loop
    asyncio.run(seed(args.url, args.n, args.round))


if __name__ == "__main__":
    main()
