from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp, utcnow


class UnitTreeStored(Base):
    """The dated hierarchy resolved for one period (the days ``[valid_from, valid_to)`` that
    share one tree; NULL: open) at one hierarchy version (``stamp_id``/``stamp_at``: the
    latest audited unit change), stored by the worker (``units.store_trees``) so that a
    process's first report reads one row instead of the whole history. ``data``: the tree,
    compact (zlib-compressed JSON columns: app.units.history.DatedTree.payload). Rows of an
    older version are deleted when the worker stores the current one."""

    __tablename__ = "unit_tree"

    stamp_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    stamp_at: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    built_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
