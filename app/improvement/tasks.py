"""Improvement's background work: keep every unit's gaps and key drivers computed
(app/improvement/cache.py), and a health round's Ministry of Health block (the satisfaction
report's ``moh``, app/reporting/moh.py), so that requests only read them; and e-mail
reminders of the actions due within a week or late (app/improvement/reminders.py).

``refresh_figures`` goes through the open, closed and published rounds of satisfaction
instruments and, for each reported unit (the covered units and their ancestors) and kind
(gaps, drivers; moh for a health round: the round's answers are read once per run for all its
units), computes the row that is missing, or whose round's figures changed since it
was computed and which is older than ``min_age`` seconds (a round receiving responses is
redone at most that often, not at every fold). The units a request asked for before they were
computed (``improvement_demand``, app/improvement/cache.py) first, in the order asked, and
their rounds before the others; then missing rows; then the oldest. A run
stops after ``budget`` seconds and the next one goes on. Each row is computed in a read
session and written in its own short transaction; on PostgreSQL a round is worked on by one
process at a time (an advisory try-lock; the others skip it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from contextlib import aclosing
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database
from app.errors import AppError
from app.forms.registry import Catalogue
from app.improvement.cache import compute, compute_moh, kinds_of
from app.improvement.reminders import send_reminders
from app.models import ImprovementDemand, ImprovementFigures, Round
from app.models.base import as_utc, utcnow
from app.reporting.moh import MOH, round_sums
from app.reporting.service import report_target
from app.reporting.snapshots import reported_units
from app.reporting.worker_figures import active_rounds, kept_rounds, store, stored_rows
from app.statistics.design import Design
from app.statistics.moh import MohSums
from app.worker.locks import IMPROVEMENT_FIGURES
from app.worker.registry import DEFER, Context, periodic

log = logging.getLogger("sipas.improvement")
REFRESH = "improvement.figures"
REMINDERS = "improvement.reminders"
REFRESH_AFTER = 300.0  # seconds: a changed row is recomputed at most this often
BUDGET = 120.0  # seconds of work per run


async def _due(
    db: Database,
    catalogue: Catalogue,
    round_: Round,
    basis: datetime,
    min_age: float,
    kinds: tuple[str, ...],
) -> list[tuple[int, str, str]]:
    """(unit id, unit code, kind) to compute in the round: missing first, then oldest."""
    async with db.sessions() as session:
        target = await report_target(session, catalogue, round_.code, None, None)
        have = await stored_rows(session, round_.id, ImprovementFigures.kind.in_(kinds))
        asked = await demanded(session, round_.id)
    now = utcnow()
    missing, old = [], []
    for unit in reported_units(target.tree, target.covered):
        for kind in kinds:
            found = have.get((unit.id, kind))
            if found is None:
                missing.append((unit.id, unit.code, kind))
            elif found[1] < basis and (now - found[0]).total_seconds() >= min_age:
                old.append((found[0], (unit.id, unit.code, kind)))
    first = sorted((m for m in missing if m[0] in asked), key=lambda m: asked[m[0]])
    return first + [m for m in missing if m[0] not in asked] + [item for _, item in sorted(old)]


async def demanded(session: AsyncSession, round_id: int | None = None) -> dict[int, datetime]:
    """Unit id → when asked, of the units waiting for their figures (of one round, or the
    round ids of all: ``round_id`` None)."""
    if round_id is None:
        stmt = select(ImprovementDemand.round_id, func.min(ImprovementDemand.requested_at))
        stmt = stmt.group_by(ImprovementDemand.round_id)
    else:
        stmt = select(ImprovementDemand.unit_id, ImprovementDemand.requested_at).where(
            ImprovementDemand.round_id == round_id
        )
    return {k: as_utc(v) for k, v in (await session.execute(stmt)).all()}


async def _answered(
    session: AsyncSession, round_id: int, unit_id: int, kinds: tuple[str, ...]
) -> None:
    """Drop the unit's demand once all its ``kinds`` rows exist."""
    made = await session.scalar(
        select(func.count())
        .select_from(ImprovementFigures)
        .where(
            ImprovementFigures.round_id == round_id,
            ImprovementFigures.unit_id == unit_id,
            ImprovementFigures.kind.in_(kinds),
        )
    )
    if made == len(kinds):
        await session.execute(
            delete(ImprovementDemand).where(
                ImprovementDemand.round_id == round_id, ImprovementDemand.unit_id == unit_id
            )
        )


async def _round_sums(
    session: AsyncSession, catalogue: Catalogue, round_: Round, design: Design
) -> MohSums:
    """The PSU sums of the Ministry of Health's indicators over the whole round."""
    target = await report_target(session, catalogue, round_.code, None, None)
    return await round_sums(session, round_, target.form.instrument, design, target.tree)


async def refresh_figures(
    db: Database,
    catalogue: Catalogue,
    settings: Settings,
    min_age: float = REFRESH_AFTER,
    budget: float = BUDGET,
    busy: Callable[[], bool] = lambda: False,
    only: Collection[str] | None = None,
) -> int:
    """Compute the rows due (see the module's docstring); the number written. Once a row is
    written, a run also stops as soon as ``busy()`` (requests are coming in). ``only``: these
    kinds of row (None: all)."""
    started = time.monotonic()
    rounds = await active_rounds(db)
    async with db.sessions() as session:
        asked = await demanded(session)
    rounds.sort(key=lambda r: (r.id not in asked, asked.get(r.id, utcnow())))  # stable
    done = 0
    kept = kept_rounds(db, catalogue, settings, rounds, IMPROVEMENT_FIGURES, started, budget)
    async with aclosing(kept) as held:
        async for round_, basis in held:
            kinds = kinds_of(catalogue.get(round_.form_code).instrument)
            design = Design.of(round_, settings.timezone)
            sums: MohSums | None = None  # the round's answers, read at its first moh row
            wanted = kinds if only is None else tuple(k for k in kinds if k in only)
            for unit_id, unit_code, kind in await _due(
                db, catalogue, round_, basis, min_age, wanted
            ):
                if time.monotonic() - started > budget or (done and busy()):
                    return done
                try:
                    async with db.sessions() as session:
                        if kind != MOH:
                            report = await compute(
                                session, catalogue, round_.code, unit_code, kind, settings
                            )
                        else:
                            if sums is None:
                                sums = await _round_sums(session, catalogue, round_, design)
                            report = await compute_moh(
                                session, catalogue, round_.code, unit_code, sums, design
                            )
                except AppError as exc:  # e.g. a unit of the round's tree with no data
                    log.info("improvement %s of %s/%s: %s", kind, round_.code, unit_code, exc)
                    continue
                async with db.writing() as session:
                    await store(session, round_.id, unit_id, kind, report, basis)
                    await _answered(session, round_.id, unit_id, kinds)
                done += 1
    return done


@periodic(REFRESH, every=30.0, timeout=BUDGET + 60.0, defer=DEFER)
async def refresh_task(ctx: Context) -> int:
    """Gaps and key drivers of every reported unit, where missing or out of date."""
    return await refresh_figures(ctx.db, ctx.catalogue, ctx.settings, busy=ctx.busy)


@periodic(REMINDERS, every=600.0, timeout=300.0, backoff=60.0, max_backoff=3600.0)
async def reminders_task(ctx: Context) -> int:
    """E-mail reminders of actions due within a week or late, once per action per day."""
    return await send_reminders(ctx.db, ctx.settings, ctx.settings.today())
