"""Draws from a round's list frame: a recorded seed and method, and the dossiers selected."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, Timestamp, utcnow


class SampleDraw(Base):
    """One draw. ``plan`` is a snapshot of the plan it followed, so the draw can be repeated
    from ``seed`` even after the plan gets a new version."""

    __tablename__ = "sample_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sample_plan.id", ondelete="RESTRICT"))
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))  # "srs" | "systematic"
    selected: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class SampleSelection(Base):
    """A dossier selected by a draw, with its inclusion probability π = n_h / N_h."""

    __tablename__ = "sample_selection"
    __table_args__ = (
        UniqueConstraint("draw_id", "dossier_id", name="uq_sample_selection_draw_dossier"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("sample_draw.id", ondelete="CASCADE"))
    dossier_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("dossier.id", ondelete="RESTRICT"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    stratum: Mapped[str] = mapped_column(String(80))
    probability: Mapped[float] = mapped_column(Float)
