"""Figures the background worker computes and requests serve as stored: a unit's gaps and key
drivers (app/improvement/cache.py) and rankings (app/reporting/ranking_store.py), rows of
``improvement_figures`` keyed by round, unit and kind.

A row says when it was computed (``as_of``) and from which data (``basis``: when the round's
figures last changed, app.reporting.published.data_changed_at, read after folding what is
queued). A request states ``freshness``: ``source`` 'worker', ``as_of``, ``stale`` when the
round's figures changed since, ``pending`` when responses are queued that the tallies have not
taken in yet. Storing is idempotent (two workers computing a row write the same).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database, dialect_insert
from app.errors import AppError
from app.forms.registry import Catalogue, RegisteredForm
from app.models import ImprovementFigures, Round
from app.models.base import as_utc, utcnow
from app.reporting.changes import data_changed_at
from app.reporting.freshness_schemas import FreshnessOut
from app.statistics.cells import Spec
from app.statistics.design import Design
from app.statistics.freshness import has_pending
from app.statistics.load import catch_up
from app.worker.locks import Lock

log = logging.getLogger("sipas.worker")
ACTIVE = ("open", "closed", "published")  # the rounds whose figures the worker keeps


async def store(
    session: AsyncSession,
    round_id: int,
    unit_id: int,
    kind: str,
    report: dict[str, Any],
    basis: datetime,
) -> None:
    """Insert or replace one row (idempotent: two workers computing it write the same)."""
    values = {"as_of": utcnow(), "basis": basis, "report": report}
    stmt = dialect_insert(session, ImprovementFigures).values(
        round_id=round_id, unit_id=unit_id, kind=kind, **values
    )
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["round_id", "unit_id", "kind"], set_=values)
    )


async def freshness_of(
    session: AsyncSession, round_: Round, as_of: datetime, basis: datetime
) -> FreshnessOut:
    """What a served row (computed at ``as_of`` from the data of ``basis``) states."""
    changed = await data_changed_at(session, round_)
    return FreshnessOut(
        source="worker",
        as_of=as_utc(as_of),
        pending=await has_pending(session, round_.id),
        stale=changed > as_utc(basis),
    )


async def stored_rows(
    session: AsyncSession, round_id: int, kinds: ColumnElement[bool]
) -> dict[tuple[int, str], tuple[datetime, datetime]]:
    """(unit id, kind) → (as_of, basis) of the round's rows of ``kinds``."""
    stmt = select(
        ImprovementFigures.unit_id,
        ImprovementFigures.kind,
        ImprovementFigures.as_of,
        ImprovementFigures.basis,
    ).where(ImprovementFigures.round_id == round_id, kinds)
    rows = (await session.execute(stmt)).all()
    return {(u, k): (as_utc(a), as_utc(b)) for u, k, a, b in rows}


async def kept_rounds(
    db: Database,
    catalogue: Catalogue,
    settings: Settings,
    rounds: list[Round],
    lock: Lock,
    started: float,
    budget: float,
) -> AsyncGenerator[tuple[Round, datetime]]:
    """The rounds of shares whose figures this process keeps now, each with its basis, while
    holding the round's ``lock`` (use it under ``contextlib.aclosing``: the lock is released
    when the caller moves on or stops)."""
    for round_ in rounds:
        try:
            form = catalogue.get(round_.form_code)
        except AppError:  # an instrument this process does not know: nothing to compute
            log.warning("figures of %s: unknown instrument", round_.code)
            continue
        if form.instrument.aggregation.is_points:
            continue
        async with round_lock(db, lock, round_.id) as held:
            if held:
                yield round_, await folded_basis(db, round_, form, settings, started, budget)


async def active_rounds(db: Database) -> list[Round]:
    """The open, closed and published rounds, newest first."""
    async with db.sessions() as session:
        stmt = select(Round).where(Round.status.in_(ACTIVE)).order_by(Round.id.desc())
        return list(await session.scalars(stmt))


async def folded_basis(
    db: Database,
    round_: Round,
    form: RegisteredForm,
    settings: Settings,
    started: float,
    budget: float,
) -> datetime:
    """Fold what is queued first (at most for the run's remaining time: a first build goes on
    without it), so that the basis is the data the figures reflect."""
    design = Design.of(round_, settings.timezone)
    spec = Spec.of(form.instrument)
    left = max(1.0, budget - (time.monotonic() - started))
    await catch_up(db.engine, round_.id, design, spec, form.content_hash, left)
    async with db.sessions() as session:
        return await data_changed_at(session, round_)


@asynccontextmanager
async def round_lock(db: Database, lock: Lock, round_id: int) -> AsyncIterator[bool]:
    """Hold ``lock`` for the round while inside if no other process holds it (PostgreSQL's
    advisory try-lock: the others skip the round); whether held. SQLite: one writer, True."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    conn = await db.engine.connect()
    try:
        keys = {"c": lock.key, "r": round_id}
        got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:c, :r)"), keys))
        await conn.commit()
        try:
            yield got
        finally:
            if got:
                await conn.execute(text("SELECT pg_advisory_unlock(:c, :r)"), keys)
    finally:
        await conn.close()
