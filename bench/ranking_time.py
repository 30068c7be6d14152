"""Time the ranking of every counter of a large round (in-process, sequential), and a province
report beside it, on a round seeded by bench/stats_seed.py with many counters:

    python bench/stats_seed.py --url postgresql://…/sipas_rank --n 100000 \
        --departments 40 --counters 4000
    python bench/ranking_time.py --url postgresql://…/sipas_rank --build   # tallies, once
    # interleaved with a baseline (another checkout's app/ on PYTHONPATH):
    PYTHONPATH=/work/main python bench/ranking_time.py --url … --label main --repeat 7
    PYTHONPATH=. python bench/ranking_time.py --url … --label branch --repeat 7

Each process reads the round once (warm-up: the tallies kept in memory), then times
``ranking_report`` of level ``counter`` under the province (service + JSON serialisation, as
the API answers it) ``--repeat`` times, and the province's satisfaction report. Only APIs that
main has are used, so the same script times both checkouts. Prints one JSON line.

Rankings served from the worker's store (issue #20; a checkout with
app/reporting/ranking_tasks.py):

    python bench/ranking_time.py --url … --worker            # the worker's run: every ranking
    python bench/ranking_time.py --url … --served --label served --repeat 7

``--worker`` drops the round's stored rankings and times one run of the worker's refresh in a
fresh process (its first read of the round included); ``--served`` times requests as a process
with a running worker answers them (``ranking_first``: the process's first request).
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

from app.config import Settings
from app.db import Database
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.reporting.queries import RankingQuery
from app.reporting.ranking import ranking_report
from app.reporting.service import satisfaction_report
from app.rounds.service import get_round
from app.statistics import cellstore
from app.statistics.cells import Spec
from app.statistics.design import Design
from app.statistics.maintained import refresh

ROUND = "BENCH-STATS"


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


async def timed(fn: Callable[[], Awaitable[Any]], repeat: int) -> dict[str, float]:
    """Wall-clock ms (min/median/max) and this process's CPU ms (median): on a machine shared
    with other work the CPU time is the steadier figure."""
    took, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        await fn()
        took.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return {
        "min_ms": round(min(took), 1),
        "median_ms": round(statistics.median(took), 1),
        "max_ms": round(max(took), 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "n": repeat,
    }


async def worker_run(db: Database, catalogue: Catalogue, settings: Settings, round_id: int) -> Any:
    """One run of the worker's rankings refresh after dropping the round's stored ones."""
    from sqlalchemy import delete

    from app.models import ImprovementFigures
    from app.reporting.ranking_tasks import refresh_rankings

    async with db.write_sessions.begin() as session:
        kinds = ImprovementFigures.kind.like("ranking:%")
        await session.execute(
            delete(ImprovementFigures).where(ImprovementFigures.round_id == round_id, kinds)
        )
    start, start_cpu = time.perf_counter(), time.process_time()
    written = await refresh_rankings(db, catalogue, settings, min_age=0, budget=3600.0)
    return {
        "worker_run": {
            "written": written,
            "wall_s": round(time.perf_counter() - start, 1),
            "cpu_s": round(time.process_time() - start_cpu, 1),
        }
    }


async def run(
    url: str, round_code: str, level: str, repeat: int, build: bool, mode: str
) -> dict[str, Any]:
    settings = Settings(database_url=url)
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    try:
        async with db.write_sessions.begin() as session:
            await register_forms(session, catalogue)
            round_ = await get_round(session, round_code)
        form = catalogue.get(round_.form_code)
        if build:
            start = time.perf_counter()
            design = Design.of(round_, settings.timezone)
            spec = Spec.of(form.instrument)
            await refresh(db.engine, round_.id, design, spec, form.content_hash)
            return {"build_s": round(time.perf_counter() - start, 1)}
        if mode == "worker":
            before = loadavg()
            found = await worker_run(db, catalogue, settings, round_.id)
            return {"loadavg_before": before, "loadavg_after": loadavg(), **found}
        if mode == "served":  # as a request in a process whose worker runs
            from app.statistics.freshness import set_waiting

            set_waiting(0.0)
        query = RankingQuery(level, None, "vi", None, False)
        rows = 0

        async def ranking() -> None:
            nonlocal rows
            async with db.sessions() as session:
                report = await ranking_report(session, catalogue, round_code, query, None, settings)
            report.model_dump_json()
            rows = len(report.rows)

        async def province() -> None:
            async with db.sessions() as session:
                report = await satisfaction_report(
                    session, catalogue, round_code, "BP", settings=settings
                )
            report.model_dump_json()

        first = await timed(ranking, 1)  # reads the cells into memory
        before = loadavg()
        result = {
            "ranking_first": first,
            "ranking": await timed(ranking, repeat),
            "province_report": await timed(province, repeat),
        }
        return {"rows": rows, "loadavg_before": before, "loadavg_after": loadavg(), **result}
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--round", default=ROUND)
    parser.add_argument("--level", default="counter")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--label", default=os.environ.get("PYTHONPATH", "."))
    parser.add_argument("--build", action="store_true", help="fold/rebuild the tallies, once")
    parser.add_argument("--worker", action="store_true", help="time the worker's rankings run")
    parser.add_argument("--served", action="store_true", help="requests served from the store")
    parser.add_argument(
        "--max-round-mb",
        type=float,
        help="app.statistics.cellstore.MAX_ROUND_BYTES for this run (0: pairs not kept)",
    )
    args = parser.parse_args()
    if args.max_round_mb is not None:
        cellstore.MAX_ROUND_BYTES = int(args.max_round_mb * 2**20)
    mode = "worker" if args.worker else "served" if args.served else "live"
    result = asyncio.run(run(args.url, args.round, args.level, args.repeat, args.build, mode))
    print(json.dumps({"label": args.label, **result}), flush=True)


if __name__ == "__main__":
    main()
