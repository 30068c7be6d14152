"""Time the served satisfaction report (with its previous-round comparison: allocation by
shares, previous ranks "of N") and the ranking table in-process, with whichever ``app`` is on
PYTHONPATH, so that main and this branch are timed alternately against one demo database.

    SIPAS_DATABASE_URL=sqlite:////tmp/demo.db python -m app demo --no-serve   # once
    for i in 1 2 3; do for P in /work/main .; do
      PYTHONPATH=$P SIPAS_DATABASE_URL=... python bench/reform_compare_time.py --label $P
    done; done
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

ROUND = "DEMO-2026"


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "min": round(min(ms), 1),
        "median": round(statistics.median(ms), 1),
        "max": round(max(ms), 1),
    }


async def main(label: str, n: int) -> None:
    from app.config import get_settings
    from app.db import Database
    from app.forms.registry import Catalogue
    from app.instruments.registry import register_forms
    from app.reporting.published import served_report
    from app.reporting.queries import RankingQuery, ReportQuery
    from app.reporting.ranking import ranking_report

    settings = get_settings()
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    calls: dict[str, Callable[[Any], Awaitable[object]]] = {
        "report SH (live)": lambda s: served_report(
            s, catalogue, ROUND, ReportQuery("SH", "vi", None, True), None, settings
        ),
        "ranking commune (live)": lambda s: ranking_report(
            s, catalogue, ROUND, RankingQuery("commune", None, "vi", None, True), None, settings
        ),
    }
    out: dict[str, object] = {"label": label}
    try:
        async with db.write_sessions.begin() as session:
            await register_forms(session, catalogue)
        for name, call in calls.items():
            ms = []
            for i in range(n + 3):  # the first 3 are a warm-up
                async with db.sessions() as session:
                    t0 = time.perf_counter()
                    await call(session)
                    if i >= 3:
                        ms.append((time.perf_counter() - t0) * 1000)
            out[name] = summary(ms)
    finally:
        await db.dispose()
    print(json.dumps(out))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--label", required=True)
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.label, args.n))
