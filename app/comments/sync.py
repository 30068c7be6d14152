"""Turning free-text answers into comments, without touching the collection path.

Responses not yet synced are found through a partial index (``comments_synced`` false); their
free-text answers are copied into ``comment`` by one INSERT … SELECT … ON CONFLICT DO NOTHING,
then the responses are marked. Running it twice, or in two processes at once, creates each
comment once: the unique key (response_id, question) decides, not this code. A response still
being stored is invisible until it commits, and is picked up by the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import ColumnElement, and_, func, literal, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.comments.calendar import due_on, work_calendar
from app.comments.themes import classify
from app.config import Settings
from app.db import Database, dialect_insert
from app.instruments.stored import free_text_codes, stored_instruments
from app.models import Answer, Comment, Response
from app.models.base import Timestamp, utcnow

BATCH = 2000
# Spelled as the partial index's predicate, so that SQLite uses the index too.
PENDING = text("NOT response.comments_synced")


async def has_pending(session: AsyncSession) -> bool:
    """Are there responses whose free text is not yet in ``comment``? (an index lookup)"""
    return await session.scalar(select(Response.id).where(PENDING).limit(1)) is not None


async def _free_text_condition(session: AsyncSession) -> Sequence[ColumnElement[bool]]:
    """Per stored instrument version, its free-text question codes, as SQL conditions."""
    instruments = await stored_instruments(session)
    return [
        and_(Response.form_version_id == vid, Answer.question.in_(codes))
        for vid, instrument in instruments.items()
        if (codes := free_text_codes(instrument))
    ]


async def _materialise(
    session: AsyncSession,
    response_ids: list[int],
    conditions: Sequence[ColumnElement[bool]],
    settings: Settings,
) -> int:
    now = utcnow()
    source = (
        select(
            Answer.response_id,
            Answer.question,
            Response.unit_id,
            Response.round_id,
            literal("new"),
            literal(now, Timestamp),
            literal(now, Timestamp),
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.response_id.in_(response_ids), Answer.ordinal == 0)
        .where(Answer.text.is_not(None), func.trim(Answer.text) != "", or_(*conditions))
    )
    columns = ["response_id", "question", "unit_id", "round_id", "status"]
    stmt = (
        dialect_insert(session, Comment)
        .from_select([*columns, "created_at", "updated_at"], source)
        .on_conflict_do_nothing(index_elements=["response_id", "question"])
        .returning(Comment.id, Comment.response_id, Comment.question)
    )
    created = (await session.execute(stmt)).all()
    if created:
        responses = {rid for _, rid, _ in created}
        submitted = dict(
            (
                await session.execute(
                    select(Response.id, Response.submitted_at).where(Response.id.in_(responses))
                )
            ).all()
        )
        texts = await _texts(session, responses)
        calendar = work_calendar(settings)
        await session.execute(
            update(Comment),
            [
                {
                    "id": cid,
                    "due_on": due_on(submitted[rid], settings, calendar),
                    "theme": classify(texts.get((rid, question))),
                }
                for cid, rid, question in created
            ],
        )
    return len(created)


async def _texts(
    session: AsyncSession, response_ids: set[int]
) -> dict[tuple[int, str], str | None]:
    """The free text of these responses' answers, by (response, question)."""
    rows = await session.execute(
        select(Answer.response_id, Answer.question, Answer.text).where(
            Answer.response_id.in_(response_ids), Answer.ordinal == 0, Answer.text.is_not(None)
        )
    )
    return {(rid, q): t for rid, q, t in rows}


async def sync_batch(
    session: AsyncSession, settings: Settings, size: int = BATCH
) -> tuple[int, int]:
    """Sync up to ``size`` pending responses: (responses processed, comments created)."""
    # PostgreSQL: replicas syncing at once take different responses (SQLite: one writer).
    pending = select(Response.id).where(PENDING).order_by(Response.id).limit(size)
    ids = list((await session.scalars(pending.with_for_update(skip_locked=True))).all())
    if not ids:
        return 0, 0
    conditions = await _free_text_condition(session)
    created = await _materialise(session, ids, conditions, settings) if conditions else 0
    await session.execute(
        update(Response)
        .where(Response.id.in_(ids))
        .values(comments_synced=True)
        .execution_options(synchronize_session=False)
    )
    return len(ids), created


async def sync_pending(
    db: Database,
    settings: Settings,
    size: int = BATCH,
    advance: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Sync every pending response, one short write transaction per batch (so citizens'
    submissions interleave even with a long backlog on SQLite's single writer):
    (responses processed, comments created)."""
    processed = created = 0
    while True:
        async with db.write_sessions.begin() as session:
            done, made = await sync_batch(session, settings, size)
        if not done:
            return processed, created
        processed, created = processed + done, created + made
        if advance is not None:
            advance(done)


async def ensure_synced(request: Request) -> None:
    """Before comments are listed or counted: when this process runs the background worker,
    wake its sync (the page shows what is synced so far, at no cost to the request); without
    a worker (``SIPAS_WORKER=false``), sync what is pending here, as a last resort."""
    worker = getattr(request.app.state, "worker", None)
    if worker is not None and worker.running:
        worker.wake("comments.sync")
        return
    db: Database = request.app.state.db
    async with db.sessions() as session:
        if not await has_pending(session):
            return
    await sync_pending(db, request.app.state.settings)


# A route that reads comments or responses depends on this: pending comments are synced first.
Synced = Annotated[None, Depends(ensure_synced)]
