from __future__ import annotations

from sqlalchemy import Float, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class UnitLink(Base):
    """Lineage with shares: from the event's date, ``share`` of what ``from_unit`` covered
    (its transactions and responses) belongs to ``to_unit``. A merge links each merged unit
    with share 1; a split links the unit to each successor with its share; a partial transfer
    links the giving unit to the receiving one with the share moved."""

    __tablename__ = "unit_link"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("unit_event.id", ondelete="CASCADE"), primary_key=True
    )
    from_unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="RESTRICT"), primary_key=True
    )
    to_unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    share: Mapped[float] = mapped_column(Float)
