"""End to end: a round's report under replicate weights through the database. Sets BENCH-STATS
(seeded by bench/stats_seed.py) to ``--variance`` (bootstrap: ``--replicates``), has the
worker's step store its replicate set and Summary (``keep``, timed once), then, interleaved, as a
request that does not wait (the worker keeps the set): the engine built live (``build_live``:
the path before the Summary, passes over the responses and the stored set's chunks) and from
the tallies and the stored Summary (``build_summary``: no pass over the responses), and
``unit_table()`` (every unit's subtree, with SE and df) on each; restores linearisation. One
JSON line: min/median/max ms of each, and the load average before and after.

    PYTHONPATH=. python bench/replicate_round_time.py --url sqlite:////tmp/infer_cal_bench.db
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time

from sqlalchemy import text

from app.config import Settings
from app.db import Database
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.rounds.service import covered_unit_ids, get_round
from app.statistics import replicate_engine
from app.statistics.freshness import set_waiting
from app.statistics.load import round_engine, unit_table
from app.units.service import load_tree

FORM, ROUND = "sipas-2017", "BENCH-STATS"


async def _set(db: Database, variance: str, replicates: int) -> None:
    async with db.write_sessions.begin() as session:
        await session.execute(
            text("UPDATE round SET design_variance = :v, design_replicates = :r WHERE code = :c"),
            {"v": variance, "r": replicates, "c": ROUND},
        )


def _loadavg() -> str:
    with open("/proc/loadavg") as f:
        return f.read().strip()


async def main(url: str, variance: str, replicates: int, repeat: int) -> dict[str, object]:
    settings = Settings(database_url=url)
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    keys = ("build_live", "table_live", "build_summary", "table_summary")
    took: dict[str, list[float]] = {k: [] for k in keys}
    before = _loadavg()
    await _set(db, variance, replicates)
    try:
        async with db.sessions() as session:
            await register_forms(session, catalogue)
            form = catalogue.get(FORM)
            round_ = await get_round(session, ROUND)
            tree = await load_tree(session)
            covered = set(await covered_unit_ids(session, round_.id))
        start = time.perf_counter()
        await replicate_engine.keep(db.engine, round_, form, settings.timezone)
        stored_ms = 1000 * (time.perf_counter() - start)
        print("keep", stored_ms, _loadavg(), file=sys.stderr, flush=True)
        set_waiting(0.0)  # a request: the worker keeps the tallies and the set
        tables = {}
        for _ in range(repeat):
            for name, live in (("live", True), ("summary", False)):
                async with db.sessions() as session:
                    start = time.perf_counter()
                    engine = await round_engine(
                        session, round_, form, settings.timezone, tree, live=live
                    )
                    took["build_" + name].append(1000 * (time.perf_counter() - start))
                print(name, "build", took["build_" + name][-1], file=sys.stderr, flush=True)
                assert engine.replicates is not None and engine.design.replicates_as_of
                assert (engine.replicate_summary is None) == live
                start = time.perf_counter()
                tables[name] = unit_table(engine, tree, covered)
                took["table_" + name].append(1000 * (time.perf_counter() - start))
                print(name, "table", took["table_" + name][-1], file=sys.stderr, flush=True)
        worst = max(
            abs((a.overall.se or 0) - (b.overall.se or 0))
            for a, b in zip(tables["live"].values(), tables["summary"].values(), strict=True)
        )
    finally:
        await _set(db, "linearisation", 80)
        await db.engine.dispose()
    return {
        "variance": variance,
        "replicates": replicates,
        "domains": len(tables["summary"]),
        "largest_overall_se_difference": worst,
        "worker_store_ms": round(stored_ms, 1),
        **{
            k: [round(min(v), 1), round(statistics.median(v), 1), round(max(v), 1)]
            for k, v in took.items()
        },
        "loadavg_before": before,
        "loadavg_after": _loadavg(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--variance", default="bootstrap")
    parser.add_argument("--replicates", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.url, args.variance, args.replicates, args.repeat))))
