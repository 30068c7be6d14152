"""A round's sampling frames: transaction volumes per unit (and field), and the list of dossiers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId


class FrameCell(Base):
    """Completed transactions of one unit in the round's period, optionally for one procedure
    field (``field`` is '' when the volume is not split). A unit's cells sum to its N_h, which
    is kept equal to ``round_unit.volume``."""

    __tablename__ = "frame_cell"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    field: Mapped[str] = mapped_column(String(128), primary_key=True, default="")
    transactions: Mapped[int] = mapped_column(BigInteger)


class Dossier(Base):
    """One completed dossier of the round's list frame. Contact columns are stored only when
    the import gave them, and are never shown in reports, summaries or logs."""

    __tablename__ = "dossier"
    __table_args__ = (
        UniqueConstraint("round_id", "code", name="uq_dossier_round_code"),
        Index("ix_dossier_round_unit", "round_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    field: Mapped[str] = mapped_column(String(128), default="")
    completed_on: Mapped[date] = mapped_column(Date)
    contact_name: Mapped[str | None] = mapped_column(String(255))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_address: Mapped[str | None] = mapped_column(String(500))
