"""Time the satisfaction report of a health round with its ``moh`` block as served now (the
background worker's row read) beside the baseline, the report with the block computed in the
request from the subtree's answers (what ``?moh=true`` did before, the same code:
app.reporting.moh.moh_indicators), interleaved and repeated, in-process; then the worker's
pass that computes every unit's block (its cost moved out of the requests). Seeds a round of
health-outpatient once (bench/stats_seed with that instrument: 400 units, 31 items, 10 % N/A).

    python -m bench.moh_time --url sqlite:////tmp/sipas-moh.db --n 100000 --seed --repeat 3
    SIPAS_DATABASE_URL=sqlite:////tmp/sipas-moh.db sipas tallies rebuild BENCH-MOH  # once
    python -m bench.moh_time --url sqlite:////tmp/sipas-moh.db --repeat 3 [--unit BC000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from sqlalchemy import text

from app.config import Settings
from app.db import Database
from app.forms.registry import Catalogue
from app.improvement.tasks import refresh_figures
from app.migrate import upgrade
from app.reporting.moh import MOH, moh_indicators
from app.reporting.service import covered_children, report_target, satisfaction_report
from app.statistics.design import Design
from bench import stats_seed

ROUND = "BENCH-MOH"


async def run(url: str, repeat: int, unit: str | None) -> None:
    settings = Settings(database_url=url, worker=False)
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    from app.instruments.registry import register_forms

    async with db.write_sessions.begin() as session:
        await register_forms(session, catalogue)
    timings: dict[str, list[float]] = {
        "worker pass (every unit's block)": [],
        "report, block served (now)": [],
        "report + block in the request (baseline)": [],
    }
    try:
        for _ in range(repeat + 1):  # the first is a warm-up (tallies built, caches)
            for name in timings:
                if name.startswith("worker"):
                    async with db.writing() as session:
                        await session.execute(text("DELETE FROM improvement_figures"))
                    started = time.perf_counter()
                    await refresh_figures(db, catalogue, settings, 0, 3600.0, only={MOH})
                    timings[name].append(1000 * (time.perf_counter() - started))
                    continue
                async with db.sessions() as session:
                    started = time.perf_counter()
                    report = await satisfaction_report(
                        session, catalogue, ROUND, unit, settings=settings
                    )
                    assert report.moh is not None
                    if name.endswith("(baseline)"):
                        target = await report_target(session, catalogue, ROUND, unit, None)
                        await moh_indicators(
                            session,
                            target.round,
                            target.form.instrument,
                            Design.of(target.round, settings.timezone),
                            target.tree,
                            target.unit,
                            covered_children(target, target.unit.id),
                            "vi",
                        )
                    timings[name].append(1000 * (time.perf_counter() - started))
        async with db.sessions() as session:
            n = await session.scalar(text("SELECT count(*) FROM response"))
        print(f"{db.engine.dialect.name}, {n} responses, unit {unit or '(top)'}:")
        for name, ms in timings.items():
            ms = ms[1:]
            if not ms:  # --repeat 0: the warm-up only
                continue
            print(
                f"  {name}: min {min(ms):.0f} ms, median {statistics.median(ms):.0f} ms, "
                f"max {max(ms):.0f} ms (n = {len(ms)})"
            )
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", action="store_true", help="seed the round first")
    parser.add_argument("--unit", default=None, help="a unit code (default: the top unit)")
    args = parser.parse_args()
    if args.seed:
        stats_seed.FORM = "health-outpatient"
        upgrade(args.url)
        asyncio.run(stats_seed.seed(args.url, args.n, ROUND))
    asyncio.run(run(args.url, args.repeat, args.unit))


if __name__ == "__main__":
    main()
