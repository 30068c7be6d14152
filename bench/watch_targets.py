"""One pass of ``webhooks.targets`` (watch_targets) on the demo database beside one
satisfaction report of the province, interleaved, three times.

    SIPAS_DATABASE_URL=sqlite:////tmp/demo.db sipas demo --no-serve
    SIPAS_DATABASE_URL=sqlite:////tmp/demo.db SIPAS_WORKER=false python bench/watch_targets.py
"""

from __future__ import annotations

import asyncio
import statistics
import time

from sqlalchemy import func, select

from app.config import get_settings
from app.db import Database
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.models import Round, Target
from app.reporting.published import served_report
from app.reporting.queries import ReportQuery
from app.statistics.tasks import fold_one
from app.webhooks.targets import watch_targets
from app.worker.registry import Context


def shown(seconds: list[float]) -> str:
    low, mid, high = min(seconds), statistics.median(seconds), max(seconds)
    return f"min {low * 1000:.0f} / median {mid * 1000:.0f} / max {high * 1000:.0f} ms"


async def main() -> None:
    settings = get_settings()
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    async with db.write_sessions.begin() as session:
        await register_forms(session, catalogue)
    async with db.sessions() as session:
        targets = await session.scalar(
            select(func.count())
            .select_from(Target)
            .join(Round, Round.id == Target.round_id)
            .where(Round.status == "open")
        )
        code = await session.scalar(select(Round.code).where(Round.status == "open"))
        rounds = list((await session.scalars(select(Round))).all())
    for round_ in rounds:  # folded first, as the worker keeps them
        await fold_one(Context(db, settings, catalogue), round_)
    watch: list[float] = []
    report: list[float] = []
    for _ in range(3):
        started = time.perf_counter()
        await watch_targets(db, catalogue, settings)
        watch.append(time.perf_counter() - started)
        started = time.perf_counter()
        async with db.sessions() as session:
            query = ReportQuery(None, "vi", None, False)
            await served_report(session, catalogue, str(code), query, None, settings)
        report.append(time.perf_counter() - started)
    print(f"targets of open rounds: {targets}, round {code}")
    print("watch_targets pass:", shown(watch))
    print("one province report (baseline):", shown(report))


if __name__ == "__main__":
    asyncio.run(main())
