"""When a round's figures last changed (what worker-computed figures are compared with, and a
report's Last-Modified): kept apart from the report's assembly so that the parts it assembles
(the ``moh`` block served from the worker's rows) can ask it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent, Response, Round, TallyState
from app.models.base import as_utc


async def data_changed_at(
    session: AsyncSession, round_: Round, folded_at: datetime | None = None
) -> datetime:
    """When the round's figures last changed as far as recorded: the last fold of its tallies
    (``folded_at``, what a report served, or the watermark kept with them; before the first
    fold, its latest response), or the latest audited change to the round (volumes, imports,
    targets, bands, freezing)."""
    latest_response = folded_at or await session.scalar(
        select(TallyState.as_of).where(TallyState.round_id == round_.id)
    )
    if latest_response is None:
        latest_response = await session.scalar(
            select(func.max(Response.submitted_at)).where(Response.round_id == round_.id)
        )
    latest_change = await session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.object_type == "round", AuditEvent.object_id == round_.code
        )
    )
    moments = [m for m in (latest_response, latest_change, round_.created_at) if m is not None]
    return max(as_utc(m) for m in moments)
