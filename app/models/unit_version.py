from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

UNIT_STATUSES = ("active", "inactive")


class UnitVersion(Base):
    """A unit's parent, name, level and status over a period [valid_from, valid_to) (NULL:
    open); never overwritten: a reorganisation closes the version in force and opens the
    next. A unit without versions has had no reorganisation: its ``unit`` row is its history.
    ``successor_id``: an inactive unit whose data continues whole in another (a merge)."""

    __tablename__ = "unit_version"
    __table_args__ = (Index("ix_unit_version_unit_from", "unit_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit_event.id", ondelete="RESTRICT"), index=True
    )
