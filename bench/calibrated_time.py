"""Time the calibration-aware variance of a raked round (app.statistics.calibrated) beside the
fixed-weights variance of the same round, interleaved: building the engine (live, as raked
rounds are) with and without the calibration terms, and ``unit_table()`` (every unit's
subtree), each ``--repeat`` times. The round:
bench/stats_seed.py's BENCH-STATS, raked with ``python -m app weights BENCH-STATS --rake
margins.csv --activate`` (docs/performance.md gives the margins used).

    PYTHONPATH=. python bench/calibrated_time.py --url sqlite:////tmp/infer_cal_bench.db

Prints one JSON line: min/median/max ms of each phase with and without calibration.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from app.config import Settings
from app.db import Database
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.rounds.service import covered_unit_ids, get_round
from app.statistics import load
from app.statistics.inference import Engine
from app.statistics.load import round_engine, unit_table
from app.units.service import load_tree

FORM, ROUND = "sipas-2017", "BENCH-STATS"


def _summary(took: list[float]) -> dict[str, float]:
    return {
        "min_ms": round(min(took), 1),
        "median_ms": round(statistics.median(took), 1),
        "max_ms": round(max(took), 1),
    }


async def _skip(*_args: object) -> None:
    """The build without calibration terms (weights taken as fixed)."""


async def main(url: str, repeat: int) -> dict[str, object]:
    settings = Settings(database_url=url)
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    phases = ("build_fixed", "build_calibrated", "table_fixed", "table_calibrated")
    times: dict[str, list[float]] = {k: [] for k in phases}
    calibrate = load._calibrate
    engine: Engine | None = None
    async with db.sessions() as session:
        await register_forms(session, catalogue)
        round_ = await get_round(session, ROUND)
        tree = await load_tree(session)
        covered = set(await covered_unit_ids(session, round_.id))
        for _ in range(repeat):
            form = catalogue.get(FORM)
            for key, step in (("build_fixed", _skip), ("build_calibrated", calibrate)):
                load._calibrate = step  # type: ignore[assignment]
                start = time.perf_counter()
                engine = await round_engine(session, round_, form, settings.timezone, tree)
                times[key].append(1000 * (time.perf_counter() - start))
            calibration = engine.calibration
            assert calibration is not None, "the round has no active raked weight set"
            for key, value in (("table_fixed", None), ("table_calibrated", calibration)):
                engine.calibration = value
                start = time.perf_counter()
                table = unit_table(engine, tree, covered)
                times[key].append(1000 * (time.perf_counter() - start))
    await db.engine.dispose()
    assert engine is not None
    return {
        "responses": int(engine.stats.t[:, engine.every, 0].sum()),
        "units": len(table),
        **{k: _summary(v) for k, v in times.items()},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.url, args.repeat))))
