"""Time the statistics on the round seeded by bench/stats_seed.py (in-process, sequential).

For each design: the tallies' build (first read after a design change), the per-unit table
of point estimates and of estimates with SEs (every unit, its subtree pooled), and single-unit
satisfaction reports (province, a department, a counter); then a plain SQL GROUP BY over the
same answers for comparison, the fold of 1,000 new responses, and Python's peak allocation.

    python bench/stats_time.py --url postgresql://postgres@127.0.0.1:5432/sipas_stats
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text

from app.config import Settings
from app.db import Database
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.reporting.service import satisfaction_report
from app.rounds.service import covered_unit_ids, get_round
from app.statistics.load import round_engine, unit_table
from app.units.service import load_tree

FORM = "sipas-2017"
ROUND = "BENCH-STATS"  # --round
DESIGNS = {
    "weights-only": (None, None, False),
    "unit-strata-fpc": ("unit", None, True),
    "unit-strata-day-psu": ("unit", "day", False),
}
PLAIN = """
SELECT r.unit_id, a.question, count(*), sum(CASE WHEN a.value >= 4 THEN 1 ELSE 0 END)
FROM answer a JOIN response r ON r.id = a.response_id
WHERE r.round_id = :r AND r.status = 'valid' AND a.value IS NOT NULL
GROUP BY r.unit_id, a.question"""
COPY_RESPONSES = """
INSERT INTO response (id, submission_id, round_id, unit_id, form_version_id, channel, status,
                      base_weight, submitted_at)
SELECT id + :offset, 'more-' || (id + :offset), round_id, unit_id, form_version_id, channel,
       status, base_weight, submitted_at FROM response
WHERE id IN (SELECT id FROM response WHERE round_id = :r ORDER BY id LIMIT :k)"""
COPY_ANSWERS = """
INSERT INTO answer (response_id, question, ordinal, value, text)
SELECT response_id + :offset, question, ordinal, value, text FROM answer
WHERE response_id IN (SELECT id FROM response WHERE round_id = :r ORDER BY id LIMIT :k)"""


async def timed(fn: Callable[[], Awaitable[Any]], repeat: int) -> dict[str, float]:
    took = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        took.append((time.perf_counter() - start) * 1000)
    return {
        "median_ms": round(statistics.median(took), 1),
        "min_ms": round(min(took), 1),
        "max_ms": round(max(took), 1),
        "n": repeat,
    }


class Bench:
    def __init__(self, url: str, round_code: str = ROUND) -> None:
        self.round_code = round_code
        self.settings = Settings(database_url=url)
        self.db = Database(self.settings)
        self.catalogue = Catalogue.from_directory(self.settings.forms_dir)

    async def start(self) -> None:
        async with self.db.write_sessions.begin() as session:
            await register_forms(session, self.catalogue)
            self.round_id = (await get_round(session, self.round_code)).id

    async def execute(self, sql: str, **params: Any) -> Any:
        async with self.db.write_sessions.begin() as session:
            return (
                (await session.execute(text(sql), params)).all()
                if sql[:6] == "SELECT"
                else await session.execute(text(sql), params)
            )

    async def table(self, points_only: bool) -> int:
        async with self.db.sessions() as session:
            round_ = await get_round(session, self.round_code)
            tree = await load_tree(session)
            covered = await covered_unit_ids(session, round_.id)
            engine = await round_engine(
                session,
                round_,
                self.catalogue.get(FORM),
                self.settings.timezone,
                tree,
                points_only=points_only,
            )
        return len(unit_table(engine, tree, covered))

    async def report(self, unit: str) -> None:
        async with self.db.sessions() as session:
            await satisfaction_report(
                session, self.catalogue, self.round_code, unit, settings=self.settings
            )

    async def design(self, name: str, repeat: int) -> dict[str, Any]:
        strata, psu, fpc = DESIGNS[name]
        await self.execute(
            "UPDATE round SET design_strata = :s, design_psu = :p, design_fpc = :f WHERE id = :r",
            s=strata,
            p=psu,
            f=fpc,
            r=self.round_id,
        )
        out: dict[str, Any] = {"build": await timed(lambda: self.report("BC000"), 1)}
        out["table_points"] = await timed(lambda: self.table(True), repeat)
        out["table_with_se"] = await timed(lambda: self.table(False), max(3, repeat // 2))
        for unit in ("BP", "BD03", "BC100"):
            out[f"report_{unit}"] = await timed(lambda u=unit: self.report(u), repeat)
        return out

    async def fold(self, k: int = 1000) -> dict[str, float]:
        offset = (await self.execute("SELECT max(id) FROM response"))[0][0]
        await self.execute(COPY_RESPONSES, offset=offset, r=self.round_id, k=k)
        await self.execute(COPY_ANSWERS, offset=offset, r=self.round_id, k=k)
        if self.db.engine.dialect.name == "postgresql":  # explicit ids: move the sequence on
            await self.execute(
                "SELECT setval(pg_get_serial_sequence('response', 'id'), "
                "(SELECT MAX(id) FROM response))"
            )
        result = await timed(lambda: self.report("BC000"), 1)
        # leave them out again (queued as -1, folded by the next read)
        await self.execute("UPDATE response SET status = 'excluded' WHERE id > :o", o=offset)
        return result

    async def memory(self) -> int:
        tracemalloc.start()
        await self.table(False)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak


async def run(url: str, repeat: int, designs: list[str], round_code: str) -> dict[str, Any]:
    bench = Bench(url, round_code)
    await bench.start()
    try:
        count = (
            await bench.execute(
                "SELECT count(*) FROM response WHERE round_id = :r AND status = 'valid'",
                r=bench.round_id,
            )
        )[0][0]
        result: dict[str, Any] = {"backend": bench.db.engine.dialect.name, "responses": count}
        result["plain_group_by"] = await timed(lambda: bench.execute(PLAIN, r=bench.round_id), 3)
        for name in designs:
            result[name] = await bench.design(name, repeat)
        result["fold_1000_new_responses"] = await bench.fold()
        result["python_peak_bytes_table_with_se"] = await bench.memory()
        return result
    finally:
        await bench.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--designs", default=",".join(DESIGNS))
    parser.add_argument("--round", default=ROUND)
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.repeat, args.designs.split(","), args.round))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
