"""Sample plans: how many to draw per stratum, versioned per round (a new PUT adds a version)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp, utcnow


class SamplePlan(Base):
    """One version of a round's sample plan; the highest version is the current one."""

    __tablename__ = "sample_plan"
    __table_args__ = (UniqueConstraint("round_id", "version", name="uq_sample_plan_round_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    # Where N_h came from: "volumes" (frame cells) or "dossiers" (the list frame's counts).
    source: Mapped[str] = mapped_column(String(16))
    # The request as given (method, rule, margin, allocation, bounds, small-unit rule ...).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer)
    # Units left out (no transactions, below the threshold): [{unit, population, reason}].
    excluded: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Why the result differs from what was asked (e.g. Neyman without a previous round).
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class SampleStratum(Base):
    """A stratum of a plan: one unit, or small units pooled under their parent (``members``)."""

    __tablename__ = "sample_stratum"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("sample_plan.id", ondelete="CASCADE"), primary_key=True
    )
    stratum: Mapped[str] = mapped_column(String(80), primary_key=True)
    # The unit itself, or the parent whose small children were pooled.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    population: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(Integer)
    # S_h used by a Neyman allocation (NULL otherwise), and where it came from.
    spread: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(255), default="")
