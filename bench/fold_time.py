"""Fold throughput, report latency while a burst is queued, and rebuild time, on the round
seeded by bench/stats_seed.py, beside baselines in the same run (interleaved, repeated).

- fold: bursts of k new responses (copies of the round's own, inserted set-wise) folded by
  this branch's ``fold_round`` (pairs summed in numpy from NUMPY_PAIRS_FROM changes), the same
  with pairs by the self-join of answers, and HEAD 80b7d49's ``refresh`` (the in-request fold,
  kept in bench/baselines_fold_80b7d49.py), in turn, each timed alone; afterwards the copies are
  excluded again and that fold (k removals) is not timed.
- report while queued: a single-unit satisfaction report served from the last fold while k
  changes wait in the queue (what a reader sees during a burst), beside the same report with
  an empty queue.
- rebuild: ``fold_round`` of a round marked stale, beside a bare GROUP BY of the same answers.

    python bench/fold_time.py --url postgresql://postgres@127.0.0.1:5432/sipas_stats \
        --bursts 1000,10000,50000 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from baselines_fold_80b7d49 import refresh as old_refresh  # bench/ is on sys.path
from sqlalchemy import text

from app.config import Settings
from app.db import Database
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.reporting.service import satisfaction_report
from app.rounds.service import get_round
from app.statistics import maintained
from app.statistics.cells import Spec
from app.statistics.design import Design
from app.statistics.freshness import set_waiting
from app.statistics.maintained import fold_round

FORM = "sipas-2017"
ROUND = "BENCH-STATS"
PLAIN = """
SELECT r.unit_id, a.question, count(*), sum(CASE WHEN a.value >= 4 THEN 1 ELSE 0 END)
FROM answer a JOIN response r ON r.id = a.response_id
WHERE r.round_id = :r AND r.status = 'valid' AND a.value IS NOT NULL
GROUP BY r.unit_id, a.question"""
COPY_RESPONSES = """
INSERT INTO response (id, submission_id, round_id, unit_id, form_version_id, channel, status,
                      base_weight, submitted_at, over_quota, comments_synced)
SELECT id + :offset, 'more-' || (id + :offset), round_id, unit_id, form_version_id, channel,
       status, base_weight, submitted_at, over_quota, TRUE FROM response
WHERE id IN (SELECT id FROM response WHERE round_id = :r AND status = 'valid' ORDER BY id
             LIMIT :k)"""
COPY_ANSWERS = """
INSERT INTO answer (response_id, question, ordinal, value, text)
SELECT response_id + :offset, question, ordinal, value, text FROM answer
WHERE response_id IN (SELECT id FROM response WHERE round_id = :r AND status = 'valid'
                      ORDER BY id LIMIT :k)"""


def loadavg() -> list[str]:
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]


def summary(took: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(took), 3),
        "min": round(min(took), 3),
        "max": round(max(took), 3),
        "n": len(took),
    }


class Bench:
    def __init__(self, url: str) -> None:
        self.settings = Settings(database_url=url)
        self.db = Database(self.settings)
        self.catalogue = Catalogue.from_directory(self.settings.forms_dir)

    async def start(self) -> None:
        async with self.db.write_sessions.begin() as session:
            await register_forms(session, self.catalogue)
            round_ = await get_round(session, ROUND)
        self.round_id = round_.id
        self.design = Design.of(round_, self.settings.timezone)
        form = self.catalogue.get(FORM)
        self.spec, self.hash = Spec.of(form.instrument), form.content_hash

    async def execute(self, sql: str, **params: Any) -> Any:
        async with self.db.write_sessions.begin() as session:
            return await session.execute(text(sql), params)

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.db.sessions() as session:
            return await session.scalar(text(sql), params)

    async def fold_new(self) -> None:
        await fold_round(self.db.engine, self.round_id, self.design, self.spec, self.hash)

    async def fold_selfjoin(self) -> None:
        """This branch's fold with the pair sums of every batch by the self-join of answers."""
        saved, maintained.NUMPY_PAIRS_FROM = maintained.NUMPY_PAIRS_FROM, 10**12
        try:
            await self.fold_new()
        finally:
            maintained.NUMPY_PAIRS_FROM = saved

    async def fold_old(self) -> None:
        await old_refresh(self.db.engine, self.round_id, self.design, self.spec, self.hash)

    async def burst(self, k: int) -> int:
        """k new valid responses (copies), queued; returns the id offset (to exclude them)."""
        offset = int(await self.scalar("SELECT max(id) FROM response"))
        await self.execute(COPY_RESPONSES, offset=offset, r=self.round_id, k=k)
        await self.execute(COPY_ANSWERS, offset=offset, r=self.round_id, k=k)
        if self.db.engine.dialect.name == "postgresql":
            await self.execute(
                "SELECT setval(pg_get_serial_sequence('response', 'id'), "
                "(SELECT MAX(id) FROM response))"
            )
        return offset

    async def report(self) -> None:
        set_waiting(0.0)  # as a request served by a process with a worker
        async with self.db.sessions() as session:
            await satisfaction_report(
                session, self.catalogue, ROUND, "BC100", settings=self.settings
            )

    async def timed(self, fn: Callable[[], Awaitable[Any]]) -> float:
        start = time.perf_counter()
        await fn()
        return time.perf_counter() - start

    async def one_burst(self, k: int, fold: Callable[[], Awaitable[None]]) -> dict[str, float]:
        offset = await self.burst(k)
        queued = await self.timed(self.report)
        took = await self.timed(fold)
        empty = await self.timed(self.report)
        await self.execute("UPDATE response SET status = 'excluded' WHERE id > :o", o=offset)
        await self.fold_new()  # the exclusions, untimed
        return {"fold_s": took, "report_queued_s": queued, "report_empty_s": empty}

    async def bursts(
        self, sizes: list[int], repeat: int, old_max: int, selfjoin: bool = True
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k in sizes:
            folds = {"new": self.fold_new}
            if selfjoin:
                folds["new_selfjoin_pairs"] = self.fold_selfjoin
            if k <= old_max:
                folds["old_80b7d49"] = self.fold_old
            runs: dict[str, list[dict[str, float]]] = {name: [] for name in folds}
            for _ in range(repeat if k <= old_max else 1):  # interleaved: new, old, new, ...
                for name, fold in folds.items():
                    runs[name].append(await self.one_burst(k, fold))
            out[str(k)] = {
                name: {
                    "fold_s": summary([r["fold_s"] for r in rs]),
                    "fold_responses_per_s": round(k / statistics.median([r["fold_s"] for r in rs])),
                    "report_while_queued_ms": summary([r["report_queued_s"] * 1e3 for r in rs]),
                    "report_queue_empty_ms": summary([r["report_empty_s"] * 1e3 for r in rs]),
                }
                for name, rs in runs.items()
            }
            print(json.dumps({"burst": k, **out[str(k)]}), flush=True)  # as it comes
        return out

    async def rebuilds(self, repeat: int) -> dict[str, Any]:
        rebuild, plain = [], []
        for _ in range(repeat):
            await self.execute(
                "UPDATE tally_state SET stale = TRUE WHERE round_id = :r", r=self.round_id
            )
            rebuild.append(await self.timed(self.fold_new))
            plain.append(await self.timed(lambda: self.execute(PLAIN, r=self.round_id)))
        ratio = statistics.median(rebuild) / statistics.median(plain)
        return {
            "rebuild_s": summary(rebuild),
            "group_by_s": summary(plain),
            "ratio": round(ratio, 2),
        }


async def run(
    url: str, sizes: list[int], repeat: int, rebuild: bool, old_max: int, selfjoin: bool
) -> dict[str, Any]:
    bench = Bench(url)
    await bench.start()
    try:
        await bench.fold_new()  # start from folded tallies
        valid = await bench.scalar(
            "SELECT count(*) FROM response WHERE round_id = :r AND status = 'valid'",
            r=bench.round_id,
        )
        result: dict[str, Any] = {
            "backend": bench.db.engine.dialect.name,
            "responses": valid,
            "loadavg_before": loadavg(),
            "cpus": os.cpu_count(),
        }
        result["bursts"] = await bench.bursts(sizes, repeat, old_max, selfjoin)
        if rebuild:
            result["rebuild"] = await bench.rebuilds(repeat)
            print(json.dumps({"rebuild": result["rebuild"]}), flush=True)
        result["loadavg_after"] = loadavg()
        return result
    finally:
        await bench.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--bursts", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-rebuild", action="store_true")
    parser.add_argument(
        "--old-max", type=int, default=10_000, help="largest burst for the baseline"
    )
    parser.add_argument(
        "--no-selfjoin", action="store_true", help="skip the fold with self-join pairs"
    )
    args = parser.parse_args()
    sizes = [int(k) for k in args.bursts.split(",")]
    rebuild, selfjoin = not args.no_rebuild, not args.no_selfjoin
    result = run(args.url, sizes, args.repeat, rebuild, args.old_max, selfjoin)
    print(json.dumps(asyncio.run(result), indent=1))


if __name__ == "__main__":
    main()
