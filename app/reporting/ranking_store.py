"""Rankings as served: computed by the background worker, read by requests.

A ranking of shares recomputes every peer's estimate with its standard error (4,000 counters:
~0.2–1 s of CPU, and a round's first read per process, or a round past ``MAX_ROUND_BYTES``,
tens of seconds): work that grows with the units and the data. So the worker
(app/reporting/ranking_tasks.py) computes the rankings of every level under the round's top
unit, and keeps every ranking stored, again when the round's figures have changed since
(``basis``), in ``improvement_figures`` rows of kind 'ranking:<level>' whose unit is the
ranking's parent (app/reporting/worker_figures.py, as gaps and drivers are).

A request that a stored ranking answers (live figures of shares in the round's hierarchy: no
published revision served, no ``as_of``) checks the reader's scope, reads the row and states
``freshness``: ``source`` 'worker', ``as_of``, ``stale`` when the round's figures changed since,
``pending`` when responses are queued. A stale ranking is served as it is (the worker catches
up); ``?fresh=true`` computes a stale or pending one in the request, waiting for the fold as
reports do, and stores it. A ranking not stored yet (another parent) is computed in the
request once and stored, then kept by the worker. Without a worker in the process (the CLI,
scripts) rankings are computed, as everything else, from the data brought up to date.
Stored in Vietnamese: a ranking of shares has no language-bound field.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from app.models import ImprovementFigures, Round
from app.reporting.table_schemas import RankingReport
from app.reporting.worker_figures import freshness_of, store
from app.statistics.freshness import waiting

PREFIX = "ranking:"


def kind_of(level: str) -> str:
    return PREFIX + level


def stored_form(report: RankingReport) -> dict[str, Any]:
    """The ranking as a row holds it (its freshness is stated when served)."""
    return report.model_dump(mode="json", exclude={"freshness"})


async def stored_ranking(
    session: AsyncSession, round_: Round, parent_id: int, level: str
) -> RankingReport | None:
    """The stored ranking this request may serve, with its freshness; None: compute it."""
    if math.isinf(waiting()):  # no worker in the process to catch up: figures brought up to date
        return None
    row = (
        await session.execute(
            select(
                ImprovementFigures.as_of,
                ImprovementFigures.basis,
                cast(ImprovementFigures.report, Text),  # parsed once, by pydantic-core
            ).where(
                ImprovementFigures.round_id == round_.id,
                ImprovementFigures.unit_id == parent_id,
                ImprovementFigures.kind == kind_of(level),
            )
        )
    ).one_or_none()
    if row is None:
        return None
    as_of, basis, raw = row
    freshness = await freshness_of(session, round_, as_of, basis)
    if waiting() > 0 and (freshness.stale or freshness.pending):  # ?fresh=true: the current
        return None
    report = RankingReport.model_validate_json(raw)
    report.freshness = freshness
    return report


async def keep(
    db: Database | None,
    round_id: int,
    parent_id: int,
    level: str,
    report: RankingReport,
    basis: datetime,
) -> None:
    """Store a ranking a request computed (only where a worker keeps it up to date)."""
    if db is None or math.isinf(waiting()):
        return
    async with db.writing() as session:
        await store(session, round_id, parent_id, kind_of(level), stored_form(report), basis)
