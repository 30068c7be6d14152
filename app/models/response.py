from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, SmallInteger, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, Timestamp, utcnow

# 'held': stored but not counted until a reviewer accepts (-> 'valid') or rejects
# (-> 'excluded') it (app/integrity).
RESPONSE_STATUSES = ("valid", "excluded", "held")
# Where a response came from (paradata): the counter's QR code, a registered desk tablet, an
# invitation link, a receipt code, or a file import (interviewer / paper).
CHANNELS = ("qr", "kiosk", "token", "receipt", "import", "interviewer", "paper")


class Response(Base):
    """One citizen's submitted form. Holds no personal data beyond what the form asks."""

    __tablename__ = "response"
    __table_args__ = (
        Index("ix_response_round_unit_status", "round_id", "unit_id", "status"),
        # Only the responses whose free text has not been turned into comments yet: the
        # comment sync finds them without scanning the answers (see app.comments.sync).
        # Integrity: recent responses at a counter (burst rule) and of a device.
        Index("ix_response_unit_submitted", "unit_id", "submitted_at"),
        Index("ix_response_device_hash", "device_hash"),
        Index("uq_response_receipt_hash", "receipt_hash", unique=True),
        Index(
            "ix_response_comments_pending",
            "id",
            postgresql_where=text("NOT comments_synced"),
            sqlite_where=text("NOT comments_synced"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The signed one-time id the form carried: a retried or double-tapped POST is stored once.
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id", ondelete="RESTRICT"))
    channel: Mapped[str] = mapped_column(String(16), default="qr")
    status: Mapped[str] = mapped_column(String(16), default="valid")
    # A weight given with the response (imports; list samples: 1/π, app.weights.base). NULL:
    # derived from the round's volumes at read time (app.statistics.weighted).
    base_weight: Mapped[float | None] = mapped_column(Float)
    # Design variables given with the response (imports, list samples): see Round.design_*.
    stratum: Mapped[str | None] = mapped_column(String(64))
    psu: Mapped[str | None] = mapped_column(String(64))
    # Sampling (app/sampling): the invitation redeemed by this response, and whether it came
    # in beyond its quota's target (soft quotas accept such responses, marked).
    invitation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("invitation.id", ondelete="RESTRICT"), unique=True
    )
    over_quota: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # The last change of ``status`` (exclusion or restoration): why, by whom, when. The full
    # history is in the audit trail; a response is never deleted.
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # Set once the sync has turned this response's free-text answers into comments.
    comments_synced: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Paradata (app/integrity; no personal data): when the form was issued (from the signed
    # submission id, so the client cannot forge it), the device pseudonym (a keyed hash of a
    # first-party random cookie or of a registered kiosk), and for a receipt code the keyed
    # hash of its dossier reference (unique: one response per transaction).
    issued_at: Mapped[datetime | None] = mapped_column(Timestamp)
    device_hash: Mapped[str | None] = mapped_column(String(32))
    receipt_hash: Mapped[str | None] = mapped_column(String(32))
    # Review of a held response: 'pending' while held, then 'accepted' or 'rejected'.
    review: Mapped[str | None] = mapped_column(String(16))


class ResponseFlag(Base):
    """A detection rule that fired on a response (app/integrity/rules.py names the codes)."""

    __tablename__ = "response_flag"

    response_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    rule: Mapped[str] = mapped_column(String(32), primary_key=True)
    detail: Mapped[str | None] = mapped_column(Text)


class Answer(Base):
    """One answer: a rating level or option (``value``) and/or free text (``text``).

    A multiple-choice question stores one row per chosen option (``ordinal`` 0, 1, ...).
    A rating answered "not applicable" has ``value`` NULL and ``text`` = 'na'.
    """

    __tablename__ = "answer"

    response_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    question: Mapped[str] = mapped_column(String(64), primary_key=True)
    ordinal: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=0)
    value: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
