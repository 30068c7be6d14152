"""End to end: a round's replicate variance through the database. Sets BENCH-STATS (seeded by
bench/stats_seed.py) to ``--variance`` (bootstrap: ``--replicates``), has the worker's step
store its replicate set (``keep``, timed once), then, interleaved: builds the engine with the
factors drawn in the request (the path before the set was stored: ``build_drawn``) and from the
stored set (``build_stored``), and times ``unit_table()`` (every unit's subtree) on the stored
engine; restores linearisation. One JSON line: min/median/max ms of each.

    PYTHONPATH=. python bench/replicate_round_time.py --url sqlite:////tmp/infer_cal_bench.db
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from sqlalchemy import text

from app.config import Settings
from app.db import Database
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.rounds.service import covered_unit_ids, get_round
from app.statistics import replicate_engine
from app.statistics.load import round_engine, unit_table
from app.statistics.replicate_store import build, served
from app.units.service import load_tree

FORM, ROUND = "sipas-2017", "BENCH-STATS"


async def _set(db: Database, variance: str, replicates: int) -> None:
    async with db.write_sessions.begin() as session:
        await session.execute(
            text("UPDATE round SET design_variance = :v, design_replicates = :r WHERE code = :c"),
            {"v": variance, "r": replicates, "c": ROUND},
        )


async def main(url: str, variance: str, replicates: int, repeat: int) -> dict[str, object]:
    settings = Settings(database_url=url)
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    took: dict[str, list[float]] = {"build_drawn": [], "build_stored": [], "table": []}
    await _set(db, variance, replicates)

    async def drawn(session, round_, instrument, layout, design, cells):  # type: ignore[no-untyped-def]
        return (await build(session, round_, instrument, layout, design, cells))[0]

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
        for _ in range(repeat):
            for key, step in (("build_drawn", drawn), ("build_stored", served)):
                replicate_engine.served = step  # type: ignore[assignment]
                async with db.sessions() as session:
                    start = time.perf_counter()
                    engine = await round_engine(session, round_, form, settings.timezone, tree)
                    took[key].append(1000 * (time.perf_counter() - start))
            assert engine.replicates is not None and engine.design.replicates_as_of is not None
            start = time.perf_counter()
            unit_table(engine, tree, covered)
            took["table"].append(1000 * (time.perf_counter() - start))
    finally:
        await _set(db, "linearisation", 80)
        await db.engine.dispose()
    return {
        "variance": variance,
        "replicates": int(engine.replicates.factors.shape[0]),
        "worker_store_ms": round(stored_ms, 1),
        **{
            k: [round(min(v), 1), round(statistics.median(v), 1), round(max(v), 1)]
            for k, v in took.items()
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--variance", default="bootstrap")
    parser.add_argument("--replicates", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.url, args.variance, args.replicates, args.repeat))))
