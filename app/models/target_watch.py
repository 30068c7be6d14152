from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp, utcnow


class TargetWatch(Base):
    """A unit's target status in a round as the background worker last judged it from the
    refreshed figures (app/webhooks/targets.py). Each time it falls below its target (status
    ``not_met`` after anything else) ``episode`` grows by one: a webhook event and the heads'
    alert are keyed by it, so each fall is told once."""

    __tablename__ = "target_watch"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(24))  # met / not_met / not_determinable
    target: Mapped[float] = mapped_column(Float)
    index: Mapped[float | None] = mapped_column(Float)
    episode: Mapped[int] = mapped_column(Integer, default=0)
    figures_at: Mapped[datetime | None] = mapped_column(Timestamp)  # the figures' as_of
    changed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    checked_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
