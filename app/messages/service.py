"""Queueing invitations for returned dossiers, and the providers' callbacks."""

from __future__ import annotations

import unicodedata
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.db import insert_ignore
from app.dossiers.rating import issue_rating
from app.dossiers.schemas import EventError
from app.messages.gateways import gateway_for
from app.messages.schemas import CallbackIn, InvitationIn, InvitationResult
from app.messages.sending import contact_hash, normal_contact
from app.models import DossierEvent, MessageOptOut, OutboundMessage
from app.models.base import utcnow
from app.units.service import UnitTree

STOP_WORDS = {"TU CHOI", "TUCHOI", "STOP", "HUY"}
DELIVERY_STATUSES = {"delivered", "failed", "expired", "rejected", "sent"}


def _refused(number: str, code: str, message: str) -> InvitationResult:
    return InvitationResult(
        number=number, status="rejected", error=EventError(code=code, message=message)
    )


async def queue_invitation(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    tree: UnitTree,
    item: InvitationIn,
    today: date,
) -> InvitationResult:
    """Queue the invitation of one returned dossier to one contact (its own rating link)."""
    contact = normal_contact(item.channel, item.to)
    if contact is None:
        return _refused(item.number, "invalid_contact", f"not a usable {item.channel} contact")
    if gateway_for(settings, item.channel) is None:
        return _refused(item.number, "no_gateway", f"no {item.channel} gateway is configured")
    hashed = contact_hash(settings.secret_key, contact)
    if await session.get(MessageOptOut, hashed) is not None:
        return _refused(item.number, "opted_out", "this contact asked for no messages")
    code = await issue_rating(
        session,
        principal,
        tree,
        item.number,
        settings.secret_key,
        settings.public_base_url,
        today,
    )
    if code.status != "issued" or code.url is None:
        assert code.error is not None
        return _refused(item.number, code.error.code, code.error.message)
    event = await session.scalar(
        select(DossierEvent).where(
            DossierEvent.number == item.number, DossierEvent.kind == "returned"
        )
    )
    assert event is not None and event.rating_hash and event.rating_round_id
    row = OutboundMessage(
        gateway=item.channel,
        contact=contact,
        contact_hash=hashed,
        round_id=event.rating_round_id,
        rating_hash=event.rating_hash,
        link=code.url,
        status="queued",
        send_after=utcnow(),
        attempts=0,
    )
    session.add(row)
    await session.flush()
    return InvitationResult(number=item.number, status="queued", message_id=row.id)


def _stop(text: str) -> bool:
    plain = unicodedata.normalize("NFD", text.upper())
    plain = "".join(c for c in plain if unicodedata.category(c) != "Mn").replace("Đ", "D")
    return " ".join(plain.split()) in STOP_WORDS


async def handle_callback(
    session: AsyncSession, settings: Settings, channel: str, body: CallbackIn
) -> str:
    """A delivery report updates its message; a stop reply records an opt-out. What was done."""
    if body.id is not None and body.status is not None:
        status = body.status.lower()
        if status not in DELIVERY_STATUSES:
            return "ignored"
        result = await session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.gateway == channel, OutboundMessage.provider_id == body.id)
            .values(delivery_status=status)
        )
        return "updated" if result.rowcount else "unknown"  # type: ignore[attr-defined]
    if body.from_ is not None and body.text is not None and _stop(body.text):
        contact = normal_contact(channel, body.from_)
        if contact is None:
            return "ignored"
        hashed = contact_hash(settings.secret_key, contact)
        await session.execute(
            insert_ignore(session, MessageOptOut, {"contact_hash": hashed, "created_at": utcnow()})
        )
        return "opted_out"
    return "ignored"
