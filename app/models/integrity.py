from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp, utcnow


class DeviceWindow(Base):
    """Collection limits' shared state: one row per (device pseudonym, counter).

    A fixed window opens at a device's first response at a counter; ``count`` responses fell in
    it. ``answers_hash`` and ``last_at`` recognise the same filled form sent again (the Back
    button). Rows are limit state only: erased once their window has passed
    (app/integrity/tasks.py), and they hold no personal data.
    """

    __tablename__ = "device_window"

    device_hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    window_start: Mapped[datetime] = mapped_column(Timestamp)
    count: Mapped[int] = mapped_column(Integer)
    answers_hash: Mapped[str] = mapped_column(String(32))
    last_at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    duplicate: Mapped[bool] = mapped_column(default=False)


class Kiosk(Base):
    """A registered desk tablet: one device that serves many citizens at one counter.

    Registered by staff of another unit (or the province), never by the counter's own staff,
    so a counter cannot declare its own phone a kiosk to escape the per-device limit. The
    tablet keeps only a random key in a cookie; its SHA-256 is stored.
    """

    __tablename__ = "kiosk"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    registered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


class IntegritySummary(Base):
    """A round's integrity report as last computed in the background (app/integrity/tasks.py):
    requests serve it as it is and say when it was made (``as_of``)."""

    __tablename__ = "integrity_summary"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    as_of: Mapped[datetime] = mapped_column(Timestamp)
    # What the report was computed from: responses' count and last id, and reviews made;
    # the task recomputes only when this changes.
    watermark: Mapped[str] = mapped_column(String(64))
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
