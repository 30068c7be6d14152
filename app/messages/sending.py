"""Queueing invitations and sending them in the background (invitations of a returned
dossier, app/messages/service.py, and of a sample draw's batch, app/messages/batches.py).

A message goes: ``queued`` (the invitation is due at ``send_after``) → ``sent`` (the reminder
is due at ``send_after`` = sent + reminder delay) → ``done``, when the contact is erased. It
ends early, contact erased, as ``answered`` (the dossier was rated), ``opted_out`` (the contact
asked for no messages) or ``failed`` (three failed attempts). Nothing leaves in quiet hours;
each gateway sends at most ``rate_per_minute`` attempts in any 60 s, counted in the database so
that every replica's worker keeps to one limit. A claim leases its rows (``send_after`` moved
ahead) and commits before the provider is called; the outcome is recorded after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database
from app.integrity.screening import keyed_hash
from app.messages.gateways import Gateway, GatewayError, Outgoing, gateway_for
from app.messages.optout import optout_link
from app.models import Invitation, MessageOptOut, OutboundMessage, Response

LEASE = timedelta(minutes=5)
RETRY = timedelta(minutes=10)
MAX_ATTEMPTS = 3
PHONE = re.compile(r"^\+?[0-9]{9,15}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,180}\.[^@\s]{2,}$")
TEXT = {
    "invitation": (
        "Cảm ơn Ông/Bà đã sử dụng dịch vụ hành chính công. Mời Ông/Bà đánh giá mức độ hài lòng "
        "về hồ sơ vừa nhận kết quả: {link} . Không muốn nhận tin: trả lời TU CHOI hoặc mở {stop}"
    ),
    "reminder": (
        "Nhắc lại: mời Ông/Bà đánh giá mức độ hài lòng về hồ sơ đã nhận kết quả: {link} . "
        "Không muốn nhận tin: trả lời TU CHOI hoặc mở {stop}"
    ),
}


def normal_contact(channel: str, contact: str) -> str | None:
    """The contact as stored and hashed (phone digits, lower-case e-mail), or None if unusable."""
    if channel == "email":
        value, pattern = contact.strip().lower(), EMAIL
    else:
        value, pattern = "".join(contact.split()).replace(".", "").replace("-", ""), PHONE
    return value if pattern.match(value) else None


def contact_hash(secret_key: str, contact: str) -> str:
    return keyed_hash(secret_key, "contact", contact)


def _window(spec: str) -> tuple[time, time] | None:
    if not spec.strip():
        return None
    start, _, end = spec.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def quiet(settings: Settings, now: datetime) -> bool:
    """Whether ``now`` falls in the deployment's quiet hours (local time)."""
    window = _window(settings.message_quiet_hours)
    if window is None:
        return False
    local = now.astimezone(ZoneInfo(settings.timezone)).time()
    start, end = window
    return (start <= local or local < end) if start > end else (start <= local < end)


async def close_early(session: AsyncSession, now: datetime) -> int:
    """Messages whose dossier was rated or whose contact opted out: closed, contact erased."""
    open_ = OutboundMessage.status.in_(("queued", "sent"))
    rated = select(Response.receipt_hash).where(Response.receipt_hash.is_not(None))
    stopped = select(MessageOptOut.contact_hash)
    redeemed = (
        select(Invitation.id)
        .where(Invitation.id == OutboundMessage.invitation_id)
        .where(Invitation.redeemed_at.is_not(None))
        .exists()
    )
    closed = 0
    for status, condition in (
        ("answered", OutboundMessage.rating_hash.in_(rated)),
        ("answered", redeemed),
        ("opted_out", OutboundMessage.contact_hash.in_(stopped)),
    ):
        result = await session.execute(
            update(OutboundMessage)
            .where(open_, condition)
            .values(status=status, contact=None, erased_at=now)
        )
        closed += result.rowcount or 0  # type: ignore[attr-defined]
    return closed


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str  # invitation / reminder
    outgoing: Outgoing


async def _claim(
    session: AsyncSession, settings: Settings, channel: str, gateway: Gateway, now: datetime
) -> list[Claimed]:
    if session.get_bind().dialect.name == "postgresql":  # one claimer per gateway at a time
        locked = text("SELECT pg_try_advisory_xact_lock(4245, hashtext(:g))")
        if not await session.scalar(locked, {"g": channel}):
            return []
    recent = await session.scalar(
        select(func.count()).where(
            OutboundMessage.gateway == channel,
            OutboundMessage.attempted_at > now - timedelta(seconds=60),
        )
    )
    budget = gateway.rate_per_minute - int(recent or 0)
    if budget <= 0:
        return []
    query = (
        select(OutboundMessage)
        .where(
            OutboundMessage.gateway == channel,
            OutboundMessage.status.in_(("queued", "sent")),
            OutboundMessage.send_after <= now,
            OutboundMessage.contact.is_not(None),
        )
        .order_by(OutboundMessage.send_after)
        .limit(budget)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for row in (await session.scalars(query)).all():
        kind = "invitation" if row.status == "queued" else "reminder"
        row.send_after, row.attempted_at, row.attempts = now + LEASE, now, row.attempts + 1
        stop = optout_link(settings.secret_key, settings.public_base_url, row.contact_hash)
        text_ = TEXT[kind].format(link=row.link, stop=stop)
        outgoing = Outgoing(row.contact or "", channel, text_, row.link, f"m{row.id}")
        claimed.append(Claimed(row.id, kind, outgoing))
    return claimed


async def _record(
    session: AsyncSession, settings: Settings, item: Claimed, result: str | Exception, now: datetime
) -> None:
    row = await session.get_one(OutboundMessage, item.id)
    if isinstance(result, Exception):
        row.last_error = str(result)[:500]
        if row.attempts >= MAX_ATTEMPTS:
            row.status, row.contact, row.erased_at = "failed", None, now
        else:
            row.send_after = now + RETRY
        return
    row.attempts, row.last_error = 0, None
    if item.kind == "invitation":
        row.status, row.sent_at, row.provider_id = "sent", now, result
        row.send_after = now + timedelta(hours=settings.message_reminder_hours)
    else:
        row.status, row.reminded_at, row.contact, row.erased_at = "done", now, None, now


async def send_due(db: Database, settings: Settings, now: datetime) -> int:
    """One pass of the sender at ``now``: close rated/opted-out messages, then send what is due
    on each gateway within its rate; the number of messages handed to gateways."""
    async with db.write_sessions.begin() as session:
        await close_early(session, now)
    if quiet(settings, now):
        return 0
    handed = 0
    for channel in settings.message_gateways:
        gateway = gateway_for(settings, channel)
        if gateway is None:
            continue
        async with db.write_sessions.begin() as session:
            claimed = await _claim(session, settings, channel, gateway, now)
        for item in claimed:
            try:
                result: str | Exception = await gateway.send(item.outgoing)
                handed += 1
            except GatewayError as exc:
                result = exc
            async with db.write_sessions.begin() as session:
                await _record(session, settings, item, result, now)
    return handed
