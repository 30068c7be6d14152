from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp, utcnow


class ReportSnapshot(Base):
    """A round's published (frozen) figures: one revision, never changed once written.

    Its items hold every unit's report as served, per language; ``content_hash`` is the
    SHA-256 of their canonical JSON ({lang: {unit code: report}}). A correction is a new
    revision; reports of a frozen round serve the latest one.
    """

    __tablename__ = "report_snapshot"
    __table_args__ = (
        UniqueConstraint("round_id", "revision", name="uq_report_snapshot_round_revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="RESTRICT"))
    revision: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(500), default="")
    # Frozen while the round was still open (labelled "tạm tính" wherever shown); reports
    # serve the latest final revision, a provisional one only when asked for by number.
    provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class ReportSnapshotItem(Base):
    """One unit's frozen report in one language."""

    __tablename__ = "report_snapshot_item"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("report_snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    lang: Mapped[str] = mapped_column(String(2), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
