"""Invitations sent in batches from a sample draw: the request records the batch; the worker
(app/messages/batch_worker.py) issues the invitations and queues the messages, which the
sender (app/messages/sending.py) delivers like any other: quiet hours, one reminder, opt-out,
per-gateway rate limits, contact erased once done.

A request does a constant amount of work (it writes one row); the worker goes through the
draw's selections in chunks. Listing a draw's batches counts their messages by status (at
most the draw's sample size).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.config import Settings
from app.errors import Conflict, NotFound, Unprocessable
from app.messages.gateways import gateway_for
from app.messages.schemas import BatchOut
from app.models import MessageBatch, OutboundMessage, Round, SampleDraw
from app.sampling.invitations import ISSUING_STATUSES


async def _draw(session: AsyncSession, round_: Round, draw_id: int) -> SampleDraw:
    draw = await session.get(SampleDraw, draw_id)
    if draw is None or draw.round_id != round_.id:
        raise NotFound(f"round {round_.code} has no draw {draw_id}")
    return draw


async def request_batch(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    round_: Round,
    anchor: int | None,
    draw_id: int,
    channels: list[str],
) -> BatchOut:
    """Record a batch of invitations for the draw's selected dossiers (audited); the worker
    sends them. Refused: a round not draft or open, a channel without a gateway, a batch of
    the draw still pending."""
    draw = await _draw(session, round_, draw_id)
    if round_.status not in ISSUING_STATUSES:
        raise Conflict(f"round {round_.code} is {round_.status}: no new invitations")
    if len(set(channels)) != len(channels):
        raise Unprocessable("each channel once", code="repeated_channel")
    if missing := [c for c in channels if gateway_for(settings, c) is None]:
        raise Unprocessable(f"no gateway for {', '.join(missing)}", code="no_gateway")
    pending = await session.scalar(
        select(MessageBatch.id).where(
            MessageBatch.draw_id == draw.id, MessageBatch.status == "pending"
        )
    )
    if pending is not None:
        raise Conflict(f"batch {pending} of this draw is still being prepared")
    batch = MessageBatch(
        round_id=round_.id,
        draw_id=draw.id,
        channels=",".join(channels),
        status="pending",
        cursor=0,
        queued=0,
        no_contact=0,
        opted_out=0,
        already_invited=0,
        created_by=actor.label,
    )
    session.add(batch)
    await session.flush()
    changes = {"batch": batch.id, "draw": draw.id, "channels": channels}
    await record(session, actor, "message_batch.create", "round", round_.code, anchor, changes)
    return (await list_batches(session, round_, draw.id, only=batch.id))[0]


async def list_batches(
    session: AsyncSession, round_: Round, draw_id: int, only: int | None = None
) -> list[BatchOut]:
    """The draw's batches, newest first, with their messages counted by status."""
    await _draw(session, round_, draw_id)
    query = select(MessageBatch).where(MessageBatch.draw_id == draw_id)
    if only is not None:
        query = query.where(MessageBatch.id == only)
    batches = list(await session.scalars(query.order_by(MessageBatch.id.desc())))
    ids = [b.id for b in batches]
    statuses: dict[int, dict[str, int]] = defaultdict(dict)
    delivery: dict[int, dict[str, int]] = defaultdict(dict)
    if ids:
        M = OutboundMessage
        for column, found in ((M.status, statuses), (M.delivery_status, delivery)):
            rows = await session.execute(
                select(M.batch_id, column, func.count())
                .where(M.batch_id.in_(ids), column.is_not(None))
                .group_by(M.batch_id, column)
            )
            for batch_id, value, n in rows:
                found[batch_id or 0][str(value)] = int(n)
    return [
        BatchOut(
            id=b.id,
            round=round_.code,
            draw=b.draw_id,
            channels=b.channels.split(","),
            status="done" if b.status == "done" else "pending",
            queued=b.queued,
            no_contact=b.no_contact,
            opted_out=b.opted_out,
            already_invited=b.already_invited,
            messages=statuses[b.id],
            delivery=delivery[b.id],
            created_at=b.created_at,
            created_by=b.created_by,
            done_at=b.done_at,
        )
        for b in batches
    ]
