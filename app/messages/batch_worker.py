"""The worker's side of batches from a sample draw (task ``messages.batches``).

A pending batch is taken by one process at a time (FOR UPDATE SKIP LOCKED on PostgreSQL) and
advanced a chunk of selections per transaction, in order of selection id (``cursor``). Each
selected dossier gets, on the first of the batch's channels its listed contact allows:

- nothing, if it already has an invitation (``already_invited``: issued on paper, or by an
  earlier batch), no usable contact (``no_contact``), or one of its contacts opted out
  (``opted_out``);
- else a single-use invitation token for its unit and stratum (app/sampling/invitations.py)
  and a queued message carrying the token's link. The dossier's phone and e-mail are then
  taken out of the list frame: the contact lives on only in the message, which erases it once
  the invitation and its reminder are done (Decree 13/2023/NĐ-CP).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database
from app.messages.gateways import gateway_for
from app.messages.sending import contact_hash, normal_contact
from app.models import (
    Dossier,
    Invitation,
    MessageBatch,
    MessageOptOut,
    OutboundMessage,
    SampleSelection,
)
from app.models.base import utcnow
from app.sampling.invitations import TOKEN_BYTES, token_hash, token_url

CHUNK = 300
CHUNKS_PER_RUN = 20


def _contacts(settings: Settings, channels: list[str], row: Any) -> list[tuple[str, str]]:
    """(channel, normalised contact) the dossier allows, in the batch's order."""
    found = []
    for channel in channels:
        given = row.contact_email if channel == "email" else row.contact_phone
        if given and gateway_for(settings, channel) is not None:
            contact = normal_contact(channel, given)
            if contact is not None:
                found.append((channel, contact))
    return found


async def _chunk(session: AsyncSession, batch: MessageBatch) -> list[Any]:
    S = SampleSelection
    return list(
        await session.execute(
            select(
                S.id,
                S.unit_id,
                S.stratum,
                S.dossier_id,
                Dossier.contact_phone,
                Dossier.contact_email,
                Invitation.id.label("invited"),
            )
            .join(Dossier, Dossier.id == S.dossier_id)
            .outerjoin(Invitation, Invitation.selection_id == S.id)
            .where(S.draw_id == batch.draw_id, S.id > batch.cursor)
            .order_by(S.id)
            .limit(CHUNK)
        )
    )


async def _opted_out(session: AsyncSession, hashes: set[str]) -> set[str]:
    if not hashes:
        return set()
    query = select(MessageOptOut.contact_hash).where(MessageOptOut.contact_hash.in_(hashes))
    return set(await session.scalars(query))


async def advance(session: AsyncSession, settings: Settings, batch: MessageBatch) -> int:
    """Do the next chunk of the batch; the number of messages queued."""
    rows = await _chunk(session, batch)
    channels = batch.channels.split(",")
    secret = settings.secret_key
    choices = {r.id: _contacts(settings, channels, r) for r in rows}
    hashes = {contact_hash(secret, c) for found in choices.values() for _, c in found}
    stopped = await _opted_out(session, hashes)
    chosen: list[tuple[Any, str, str]] = []
    for row in rows:
        found = choices[row.id]
        if row.invited is not None:
            batch.already_invited += 1
        elif not found:
            batch.no_contact += 1
        elif any(contact_hash(secret, c) in stopped for _, c in found):
            batch.opted_out += 1
        else:
            chosen.append((row, *found[0]))
    if chosen:
        await _queue(session, settings, batch, chosen)
    batch.queued += len(chosen)
    if rows:
        batch.cursor = rows[-1].id
    if len(rows) < CHUNK:
        batch.status, batch.done_at = "done", utcnow()
    return len(chosen)


async def _queue(
    session: AsyncSession, settings: Settings, batch: MessageBatch, chosen: list[Any]
) -> None:
    now = utcnow()
    tokens = [secrets.token_urlsafe(TOKEN_BYTES) for _ in chosen]
    invitations = [
        {"token_hash": token_hash(token), "round_id": batch.round_id, "unit_id": row.unit_id}
        | {"stratum": row.stratum or None, "selection_id": row.id, "created_at": now}
        for token, (row, _, _) in zip(tokens, chosen, strict=True)
    ]
    stmt = insert(Invitation).returning(Invitation.id, sort_by_parameter_order=True)
    ids = (await session.scalars(stmt, invitations)).all()
    messages = [
        {
            "gateway": channel,
            "contact": contact,
            "contact_hash": contact_hash(settings.secret_key, contact),
            "round_id": batch.round_id,
            "invitation_id": invitation_id,
            "batch_id": batch.id,
            "link": token_url(settings.public_base_url, token),
            "status": "queued",
            "send_after": now,
            "attempts": 0,
            "created_at": now,
        }
        for invitation_id, token, (_, channel, contact) in zip(ids, tokens, chosen, strict=True)
    ]
    await session.execute(insert(OutboundMessage), messages)
    dossiers = [row.dossier_id for row, _, _ in chosen]
    await session.execute(
        update(Dossier)
        .where(Dossier.id.in_(dossiers))
        .values(contact_phone=None, contact_email=None)
    )


async def expand_batches(db: Database, settings: Settings) -> int:
    """Advance pending batches, a chunk per transaction (at most CHUNKS_PER_RUN a run); the
    number of messages queued."""
    queued = 0
    for _ in range(CHUNKS_PER_RUN):
        async with db.writing() as session:
            query = (
                select(MessageBatch)
                .where(MessageBatch.status == "pending")
                .order_by(MessageBatch.id)
                .limit(1)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            batch = await session.scalar(query)
            if batch is None:
                break
            queued += await advance(session, settings, batch)
    return queued
