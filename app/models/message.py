from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, Timestamp, utcnow


class OutboundMessage(Base):
    """An invitation sent to a citizen for one returned dossier (app/messages). The contact is
    kept only until the invitation and its reminder are done, then erased (Decree 13); the
    keyed hash of it remains for opt-outs and rate accounting, never the address."""

    __tablename__ = "outbound_message"
    __table_args__ = (
        Index("ix_outbound_message_due", "status", "send_after"),
        Index("ix_outbound_message_provider", "gateway", "provider_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    gateway: Mapped[str] = mapped_column(String(16))  # sms / zalo / email
    contact: Mapped[str | None] = mapped_column(String(254))  # erased when done
    contact_hash: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    # The dossier's receipt hash (an invitation on return), or the sample's invitation (a
    # batch from a draw, app/messages/batches.py): the message is closed once it is answered.
    rating_hash: Mapped[str | None] = mapped_column(String(32))
    invitation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("invitation.id", ondelete="CASCADE"), index=True
    )
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_batch.id", ondelete="SET NULL"), index=True
    )
    link: Mapped[str] = mapped_column(String(300))  # the rating or invitation link
    # queued -> sent -> (reminded) -> done | opted_out | answered | failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    send_after: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempted_at: Mapped[datetime | None] = mapped_column(Timestamp)  # rate limits count these
    provider_id: Mapped[str | None] = mapped_column(String(100))
    delivery_status: Mapped[str | None] = mapped_column(String(16))  # from the provider
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp)
    reminded_at: Mapped[datetime | None] = mapped_column(Timestamp)
    erased_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class MessageOptOut(Base):
    """A contact that asked for no more invitations (keyed hash only)."""

    __tablename__ = "message_opt_out"

    contact_hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class MessageBatch(Base):
    """A request to send invitations to the dossiers of a sample draw (app/messages/batches.py):
    the worker goes through the draw's selections in order of id (``cursor``), issues each an
    invitation token and queues its message to the first channel its contact allows."""

    __tablename__ = "message_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    draw_id: Mapped[int] = mapped_column(
        ForeignKey("sample_draw.id", ondelete="CASCADE"), index=True
    )
    channels: Mapped[str] = mapped_column(String(32))  # in order of preference, comma-separated
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending -> done
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)  # the last selection id done
    queued: Mapped[int] = mapped_column(Integer, default=0)
    no_contact: Mapped[int] = mapped_column(Integer, default=0)
    opted_out: Mapped[int] = mapped_column(Integer, default=0)
    already_invited: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(Timestamp)
