"""Time the satisfaction report in-process (sequential, after a warm-up) with whichever
``app`` is on PYTHONPATH, so that the code before the dated hierarchy (a checkout of main)
and after it (this branch) are timed against the same database, alternately.

    SIPAS_DATABASE_URL=sqlite:////tmp/demo.db python -m app demo --no-serve   # once
    for i in 1 2 3; do
      PYTHONPATH=/work/main SIPAS_DATABASE_URL=... python bench/reform_report_time.py --label main
      PYTHONPATH=.          SIPAS_DATABASE_URL=... python bench/reform_report_time.py --label reform
    done
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

ROUND = "DEMO-2026"


async def main(label: str, n: int, units: list[str]) -> None:
    from app.config import get_settings
    from app.db import Database
    from app.forms.registry import Catalogue
    from app.instruments.registry import register_forms
    from app.reporting.service import satisfaction_report

    settings = get_settings()
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    out: dict[str, object] = {"label": label}
    try:
        async with db.write_sessions.begin() as session:
            await register_forms(session, catalogue)
        for unit in units:
            ms = []
            for i in range(n + 3):  # the first 3 are a warm-up
                async with db.sessions() as session:
                    t0 = time.perf_counter()
                    await satisfaction_report(session, catalogue, ROUND, unit)
                    if i >= 3:
                        ms.append((time.perf_counter() - t0) * 1000)
            out[unit] = {
                "min": round(min(ms), 1),
                "median": round(statistics.median(ms), 1),
                "max": round(max(ms), 1),
            }
    finally:
        await db.dispose()
    print(json.dumps(out))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--label", required=True)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--unit", action="append", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.label, args.n, args.unit or ["SH", "SH-HOALAC"]))
