"""Time the improvement analyses (issue #18) on the statistics benchmark round, beside the
satisfaction report of the same unit as a baseline, interleaved and repeated.

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
from app.improvement.drivers import key_drivers
from app.improvement.gaps import unit_gaps
from app.improvement.shapley import shapley, weighted_correlation
from app.instruments.registry import register_forms
from app.reporting.service import satisfaction_report

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

    def read(fn: Callable[..., Awaitable[Any]], unit: str) -> Callable[[], Awaitable[Any]]:
        async def run() -> Any:
            async with db.sessions() as session:
                return await fn(session, catalogue, ROUND, unit, None, settings=settings)

        return run

    cases: dict[str, Callable[[], Awaitable[Any]]] = {
        "baseline_satisfaction_report_counter": read(satisfaction_report, units["counter"]),
        "gaps_counter": read(unit_gaps, units["counter"]),
        "drivers_counter": read(key_drivers, units["counter"]),
        "drivers_department": read(key_drivers, units["department"]),
        "drivers_province": read(key_drivers, units["province"]),
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
