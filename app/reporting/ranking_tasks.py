"""The worker's rankings (app/reporting/ranking_store.py): computed so that requests only
read them.

``refresh_rankings`` goes through the open, closed and published rounds of shares and, for each,
computes the rankings of every level under the round's top unit that are missing, then every
stored ranking of the round (those requests computed for other parents too) whose round's
figures changed since it was computed and which is older than ``min_age`` seconds (a round
receiving responses is redone at most that often), oldest first. A run stops after
``budget`` seconds, or once it wrote one and requests are coming in (``busy``); the next one
goes on. Each ranking is computed in a read session and written in its own short
transaction; on PostgreSQL a round is worked on by one process at a time (an advisory
try-lock; the others skip it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import aclosing
from datetime import datetime

from app.config import Settings
from app.db import Database
from app.errors import AppError
from app.forms.registry import Catalogue
from app.models import ImprovementFigures, Round
from app.models.base import utcnow
from app.reporting.queries import RankingQuery
from app.reporting.ranking import ranking_report
from app.reporting.ranking_store import PREFIX, kind_of, stored_form
from app.reporting.service import report_target
from app.reporting.snapshots import reported_units
from app.reporting.worker_figures import active_rounds, kept_rounds, store, stored_rows
from app.worker.locks import RANKINGS
from app.worker.registry import Context, periodic

log = logging.getLogger("sipas.ranking")
REFRESH = "reporting.rankings"
REFRESH_AFTER = 10.0  # seconds: a changed ranking is recomputed at most this often
BUDGET = 120.0  # seconds of work per run
QUIET_WAIT = 30.0  # seconds a run waits at most for no request in the process


async def _due(
    db: Database, catalogue: Catalogue, round_: Round, basis: datetime, min_age: float
) -> list[tuple[int, str, str]]:
    """(parent unit id, parent code, level) to compute in the round: missing, then oldest."""
    async with db.sessions() as session:
        target = await report_target(session, catalogue, round_.code, None, None)
        rows = await stored_rows(session, round_.id, ImprovementFigures.kind.like(PREFIX + "%"))
    top = target.unit
    levels = sorted({n.level for n in reported_units(target.tree, target.covered)} - {top.level})
    have = {(u, k.removeprefix(PREFIX)): found for (u, k), found in rows.items()}
    missing = [(top.id, top.code, level) for level in levels if (top.id, level) not in have]
    now, old = utcnow(), []
    for (unit_id, level), (as_of, made_from) in have.items():
        if made_from < basis and (now - as_of).total_seconds() >= min_age:
            node = target.tree.by_id.get(unit_id)
            if node is not None:
                old.append((as_of, (unit_id, node.code, level)))
    return missing + [item for _, item in sorted(old)]


async def compute(
    db: Database, catalogue: Catalogue, round_code: str, parent: str, level: str, settings: Settings
) -> dict[str, object]:
    """The ranking (full scope, live figures of the round's hierarchy) as stored."""
    query = RankingQuery(level=level, parent=parent, lang="vi", revision=None, live=True)
    async with db.sessions() as session:
        report = await ranking_report(
            session, catalogue, round_code, query, None, settings, stored=False
        )
    return stored_form(report)


async def refresh_rankings(
    db: Database,
    catalogue: Catalogue,
    settings: Settings,
    min_age: float = REFRESH_AFTER,
    budget: float = BUDGET,
    busy: Callable[[], bool] = lambda: False,
) -> int:
    """Compute the rankings due (see the module's docstring); the number written."""
    started = time.monotonic()
    rounds = await active_rounds(db)
    done = 0
    async with aclosing(
        kept_rounds(db, catalogue, settings, rounds, RANKINGS, started, budget)
    ) as held:
        async for round_, basis in held:
            for unit_id, parent, level in await _due(db, catalogue, round_, basis, min_age):
                if time.monotonic() - started > budget or (done and busy()):
                    return done
                try:
                    report = await compute(db, catalogue, round_.code, parent, level, settings)
                except AppError as exc:  # e.g. a level no unit under the parent has any more
                    log.info("ranking of %s under %s/%s: %s", level, round_.code, parent, exc)
                    continue
                async with db.writing() as session:
                    await store(session, round_.id, unit_id, kind_of(level), report, basis)
                done += 1
    return done


@periodic(REFRESH, every=10.0, timeout=BUDGET + 60.0, defer=QUIET_WAIT)
async def refresh_task(ctx: Context) -> int:
    """Rankings of every level under each round's top unit, and every stored one, where
    missing or out of date."""
    return await refresh_rankings(ctx.db, ctx.catalogue, ctx.settings, busy=ctx.busy)
