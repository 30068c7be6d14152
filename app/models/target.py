from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp, utcnow


class Target(Base):
    """A unit's target for a round's overall index, e.g. SIPAS ≥ 89 (percent)."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", name="uq_target_round_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    value: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
