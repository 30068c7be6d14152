"""PostgreSQL's own CPU per stored submission: the route's one statement (``STORE_SCREENED``)
beside the raw baseline's one-row INSERT (bench/baselines.py), and the statement without its
parts, on one connection, interleaved and repeated.

    SIPAS_DATABASE_URL=postgresql://…/db sipas demo --no-serve      # a seeded demo database
    .venv/bin/python bench/post_pg_cpu.py --dsn postgresql://…/db [--count 1000] [--rounds 3]

The CPU is the server backend's (utime + stime from /proc/<pid>/stat, so the database must
run on this machine), divided by the statements run; the client's CPU is not in it. Every
submission is a fresh device and submission id at the demo counter SH-HOALAC-MC, so after
the counter's burst limit each is held with a flag, as in bench/run.sh.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from baselines import DDL, RATINGS, SQL

from app.integrity.admission import STORE_SCREENED

HZ = os.sysconf("SC_CLK_TCK")
ANSWERS = "FROM r, unnest($19::text[], $20::int2[], $21::float8[], $22::text[]) AS u(q, o, val, t)"
FLAGS = "SELECT r.id, rule FROM r, f, unnest(f.flags) AS rule"
VARIANTS = {
    "store (the route's statement)": STORE_SCREENED,
    "store without answers": STORE_SCREENED.replace(ANSWERS, ANSWERS + " WHERE false"),
    "store without flags": STORE_SCREENED.replace(FLAGS, FLAGS + " WHERE false"),
    "raw baseline insert": SQL,
}


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def backend_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def measure(dsn: str, count: int, rounds: int) -> None:
    connection = await asyncpg.connect(dsn)
    pid = await connection.fetchval("SELECT pg_backend_pid()")
    round_id, unit_id, version = await connection.fetchrow(
        "SELECT r.round_id, r.unit_id, r.form_version_id FROM response r "
        "JOIN unit u ON u.id = r.unit_id WHERE u.code = 'SH-HOALAC-MC' LIMIT 1"
    )
    await connection.execute(DDL)
    questions = [*RATINGS, "field", "gender", "age_band"]
    rng = random.Random(1)

    def store_args() -> tuple[Any, ...]:
        now = datetime.now(UTC)
        ratings = [float(rng.choice((2, 3, 4, 5))) for _ in RATINGS]
        return (
            *(str(uuid.uuid4()), round_id, unit_id, version, "qr", now - timedelta(minutes=2)),
            *(uuid.uuid4().hex, uuid.uuid4().hex, now, now - timedelta(minutes=30)),
            *(now - timedelta(minutes=30), now - timedelta(minutes=10), 1, 5, []),
            *(False, True, True, questions, [0] * len(questions)),
            *([*ratings, None, None, None], [None] * len(RATINGS) + ["land", "male", "25_34"]),
            True,
        )

    def raw_args() -> tuple[Any, ...]:
        ratings = [float(rng.choice((2, 3, 4, 5))) for _ in RATINGS]
        now = datetime.now(UTC)
        return (
            now,
            str(uuid.uuid4()),
            "SH-HOALAC-MC",
            "qr",
            "land",
            "male",
            "25_34",
            None,
            *ratings,
        )

    results: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for i in range(rounds):
        print(f"round {i + 1}, loadavg {loadavg()}")
        for name, sql in VARIANTS.items():
            make = raw_args if sql is SQL else store_args
            for _ in range(30):  # past the custom plans, into the generic one
                await connection.fetchrow(sql, *make())
            before = backend_ticks(pid)
            for _ in range(count):
                await connection.fetchrow(sql, *make())
            results[name].append(1000 * (backend_ticks(pid) - before) / HZ / count)
    await connection.close()
    print("PostgreSQL backend CPU per statement, ms (min / median / max):")
    for name, values in results.items():
        print(
            f"  {name:32s} {min(values):.3f} / {statistics.median(values):.3f} / {max(values):.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(measure(args.dsn, args.count, args.rounds))


if __name__ == "__main__":
    main()
