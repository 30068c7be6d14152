"""Time the improvement analyses (issue #18) on the statistics benchmark round, beside the
satisfaction report of the same unit as a baseline, interleaved and repeated.

``live_*``: computed in the call from the responses (what the worker does; since #18's fourth
session no request does it: a unit not computed yet answers 'pending'); ``served_*``: what a
request does now (app.improvement.cache: scope check, one stored row, freshness); ``*_svg``:
the importance–performance chart as the API draws it. Before timing, the worker's refresh is
run for the measured units only (its time per row is printed: the work moved out of the
request).

    python bench/stats_seed.py --url sqlite:////tmp/sipas-improve-bench.db --n 1000000
    PYTHONPATH=. python bench/improve_time.py --url sqlite:////tmp/sipas-improve-bench.db --repeat 5

Measured in-process (no HTTP), sequentially: per repetition, in turn, the baseline report
and gaps of a counter, drivers of a counter, a department and the province (drivers read the
answers of the unit's subtree), and the exact Shapley decomposition alone for 16 and 12
predictors (pure numpy). Prints min / median / max in ms and /proc/loadavg before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np

from app.config import Settings
from app.db import Database
from app.forms.registry import Catalogue
from app.improvement.cache import compute, served_drivers, served_gaps
from app.improvement.chart import ipa_svg
from app.improvement.drivers import key_drivers
from app.improvement.gaps import unit_gaps
from app.improvement.shapley import shapley, weighted_correlation
from app.instruments.registry import register_forms
from app.models import Round
from app.reporting.changes import data_changed_at
from app.reporting.service import report_target, satisfaction_report
from app.reporting.worker_figures import store

ROUND = "BENCH-STATS"


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def shapley_only(k: int) -> Callable[[], Awaitable[Any]]:
    rng = np.random.default_rng(k)
    x = rng.integers(1, 6, (3000, k)).astype(float)
    y = x @ rng.random(k) + rng.normal(0, 3, 3000)
    corr = weighted_correlation(np.column_stack([y, x]), rng.random(3000) + 0.5)

    async def run() -> Any:
        return shapley(corr)

    return run


async def main(url: str, repeat: int, units: dict[str, str]) -> dict[str, Any]:
    settings = Settings(database_url=url)
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    async with db.write_sessions.begin() as session:
        await register_forms(session, catalogue)

    def read(
        fn: Callable[..., Awaitable[Any]], unit: str, svg: bool = False
    ) -> Callable[[], Awaitable[Any]]:
        served = fn in (served_gaps, served_drivers)  # (…, lang, db): they read one row

        async def run() -> Any:
            async with db.sessions() as session:
                if served:
                    found = await fn(session, catalogue, ROUND, unit, None, "vi", db)
                else:
                    found = await fn(session, catalogue, ROUND, unit, None, settings=settings)
            return str(ipa_svg(found)) if svg else found

        return run

    worker_ms: dict[str, float] = {}
    for unit in units.values():  # the worker's part, for the measured units only
        for kind in ("gaps", "drivers"):
            start = time.perf_counter()
            async with db.sessions() as session:
                target = await report_target(session, catalogue, ROUND, unit, None)
                round_ = await session.get(Round, target.round.id)
                assert round_ is not None
                basis = await data_changed_at(session, round_)
                report = await compute(session, catalogue, ROUND, unit, kind, settings)
            async with db.writing() as session:
                await store(session, target.round.id, target.unit.id, kind, report, basis)
            worker_ms[f"{kind}_{unit}"] = round((time.perf_counter() - start) * 1000, 1)

    cases: dict[str, Callable[[], Awaitable[Any]]] = {
        "baseline_satisfaction_report_counter": read(satisfaction_report, units["counter"]),
        "live_gaps_counter": read(unit_gaps, units["counter"]),
        "served_gaps_counter": read(served_gaps, units["counter"]),
        "live_drivers_counter": read(key_drivers, units["counter"]),
        "served_drivers_counter": read(served_drivers, units["counter"]),
        "live_drivers_department": read(key_drivers, units["department"]),
        "served_drivers_department": read(served_drivers, units["department"]),
        "live_drivers_province_svg": read(key_drivers, units["province"], svg=True),
        "served_drivers_province_svg": read(served_drivers, units["province"], svg=True),
        "shapley_only_k16": shapley_only(16),
        "shapley_only_k12": shapley_only(12),
    }
    before = loadavg()
    for name, fn in cases.items():  # warm: tallies built, catalogue bound, caches filled
        start = time.perf_counter()
        await fn()
        print(f"warm {name}: {(time.perf_counter() - start) * 1000:.0f} ms", file=sys.stderr)
    took: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, fn in cases.items():  # interleaved
            start = time.perf_counter()
            await fn()
            took[name].append((time.perf_counter() - start) * 1000)
    drivers = await read(key_drivers, units["counter"])()
    await db.dispose()
    return {
        "backend": url.split(":", 1)[0],
        "loadavg_before": before,
        "loadavg_after": loadavg(),
        "counter_drivers_n": drivers.n,
        "counter_drivers_grouped": drivers.grouped,
        "worker_compute_ms": worker_ms,
        **{
            name: {
                "min_ms": round(min(v), 1),
                "median_ms": round(statistics.median(v), 1),
                "max_ms": round(max(v), 1),
                "n": len(v),
            }
            for name, v in took.items()
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--counter", default="BC100")
    parser.add_argument("--department", default="BD03")
    parser.add_argument("--province", default="BP")
    args = parser.parse_args()
    units = {"counter": args.counter, "department": args.department, "province": args.province}
    print(json.dumps(asyncio.run(main(args.url, args.repeat, units)), indent=1))
