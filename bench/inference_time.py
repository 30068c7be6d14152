"""Time the estimate layer alone: ``unit_table()`` (every unit's subtree pooled: each criterion,
element and overall index with SE, interval, deff and df) on an engine built once from the
round seeded by bench/stats_seed.py. Run it from two checkouts to compare them (the database
and its tallies are shared; only the arithmetic in app/statistics differs):

    PYTHONPATH=. python bench/inference_time.py --url sqlite:////tmp/inf_bench.db --repeat 7
    PYTHONPATH=/tmp/base python bench/inference_time.py --url ... --ci beta

Prints one JSON line: min/median/max ms of ``--repeat`` calls, the estimates made, the code.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import time

import app
from app.config import Settings
from app.db import Database
from app.forms.registry import Catalogue
from app.rounds.service import covered_unit_ids, get_round
from app.statistics.load import round_engine, unit_table
from app.units.service import load_tree

FORM, ROUND = "sipas-2017", "BENCH-STATS"


async def main(url: str, repeat: int, ci: str | None) -> dict[str, object]:
    settings = Settings(database_url=url)
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    async with db.sessions() as session:
        await catalogue.register(session)
        round_ = await get_round(session, ROUND)
        tree = await load_tree(session)
        covered = set(await covered_unit_ids(session, round_.id))
        form = catalogue.get(FORM)
        engine = await round_engine(session, round_, form, settings.timezone, tree)
    if ci is not None:
        engine.design = dataclasses.replace(engine.design, ci=ci)
    took = []
    for _ in range(repeat):
        start = time.perf_counter()
        table = unit_table(engine, tree, covered)
        took.append(1000 * (time.perf_counter() - start))
    await db.engine.dispose()
    estimates = sum(1 + len(d.elements) + len(d.criteria) for d in table.values())
    return {
        "code": app.__file__,
        "ci": ci or "logit",
        "estimates": estimates,
        "min_ms": round(min(took), 1),
        "median_ms": round(statistics.median(took), 1),
        "max_ms": round(max(took), 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--ci", default=None, help="logit | beta | wilson (new code only)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.url, args.repeat, args.ci))))
