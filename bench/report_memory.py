"""Peak memory (VmHWM) of a process serving reports, at two sizes of the same round.

    python bench/report_memory.py --repeat 3 \
        postgresql://postgres@127.0.0.1:5432/sipas_stats_100k \
        postgresql://postgres@127.0.0.1:5432/sipas_stats_1m

Each database holds round BENCH-STATS seeded by bench/stats_seed.py. Its tallies are folded
first, in a process of its own whose peak and time are printed too (the first build of a
freshly seeded round is a rebuild). Then, for each database in turn (interleaved,
repeated), a fresh process: ``baseline`` is its peak resident set after start-up (the app
imported, the database opened, the round read), ``reports`` after single-unit reports of the
province, a department and a counter and the all-units table with standard errors, as a
replica serves them. Figures in MB, min/median/max; `/proc/loadavg` before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from stats_time import Bench  # bench/ is on sys.path

from app.rounds.service import get_round
from app.statistics.cells import Spec
from app.statistics.design import Design
from app.statistics.maintained import refresh


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


async def fold(url: str) -> dict[str, float]:
    bench = Bench(url)
    await bench.start()
    async with bench.db.sessions() as session:
        round_ = await get_round(session, bench.round_code)
    form = bench.catalogue.get(round_.form_code)
    design = Design.of(round_, bench.settings.timezone)
    spec = Spec.of(form.instrument)
    start = time.perf_counter()
    await refresh(bench.db.engine, bench.round_id, design, spec, form.content_hash)
    took = time.perf_counter() - start
    await bench.db.dispose()
    return {"fold_s": round(took, 1), "fold_peak_mb": peak_mb()}


async def serve(url: str) -> dict[str, float]:
    bench = Bench(url)
    await bench.start()
    out = {"baseline_mb": peak_mb()}
    for unit in ("BP", "BD03", "BC100"):
        await bench.report(unit)
    out["units"] = await bench.table(False)
    out["reports_mb"] = peak_mb()
    await bench.db.dispose()
    return out


def child(*args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "min": round(min(values), 1),
        "median": round(statistics.median(values), 1),
        "max": round(max(values), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=("fold", "serve"))
    args = parser.parse_args()
    if args.child == "fold":
        print(json.dumps(asyncio.run(fold(args.urls[0]))))
        return
    if args.child == "serve":
        print(json.dumps(asyncio.run(serve(args.urls[0]))))
        return
    print("loadavg before:", Path("/proc/loadavg").read_text().strip(), flush=True)
    for url in args.urls:  # the folding (or first build's) process, its peak too
        print(json.dumps({url: child("--child", "fold", url)}), flush=True)
    runs: dict[str, list[dict[str, float]]] = {url: [] for url in args.urls}
    for _ in range(args.repeat):
        for url in args.urls:
            runs[url].append(child("--child", "serve", url))
            print(json.dumps({url: runs[url][-1]}), flush=True)
    for url, rs in runs.items():
        print(json.dumps({
            "url": url,
            "baseline_mb": summary([r["baseline_mb"] for r in rs]),
            "reports_mb": summary([r["reports_mb"] for r in rs]),
        }))  # fmt: skip
    print("loadavg after:", Path("/proc/loadavg").read_text().strip(), flush=True)


if __name__ == "__main__":
    main()
