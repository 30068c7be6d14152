from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp, utcnow

# What a reorganisation does (app/units/history.py documents each).
EVENT_KINDS = ("merge", "split", "transfer", "rename", "relevel", "move", "dissolve", "edit")


class UnitEvent(Base):
    """A reorganisation of the unit hierarchy, effective from a date; reversible (``reverted_at``)
    until a published round uses it. Its effect is the ``unit_version`` rows it opened."""

    __tablename__ = "unit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    effective: Mapped[date] = mapped_column(Date, index=True)
    # What was asked (codes, names, shares), as shown in the console and the API.
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    batch: Mapped[str | None] = mapped_column(String(64))  # a crosswalk import's id
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(255))
    reverted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    reverted_by: Mapped[str | None] = mapped_column(String(255))
