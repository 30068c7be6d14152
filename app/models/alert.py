from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp, utcnow


class AlertSent(Base):
    """An alert e-mail sent to a person (app/alerts), once per (person, key): the key names
    what it was about and when (e.g. "overdue:2026-12-07"), so replicas send it once."""

    __tablename__ = "alert_sent"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class AlertOptOut(Base):
    """A person who turned alert e-mails off."""

    __tablename__ = "alert_opt_out"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


ALERT_KINDS = ("overdue", "below_target", "digest")


class AlertKindOff(Base):
    """One kind of alert (``ALERT_KINDS``) a person turned off; ``AlertOptOut`` is all off."""

    __tablename__ = "alert_kind_off"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
