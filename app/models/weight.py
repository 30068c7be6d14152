from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, Timestamp, utcnow


class WeightSet(Base):
    """A named, versioned set of final weights for a round's responses (see app.weights).

    A version is immutable: recomputing with the same inputs over the same responses returns
    it; changed inputs or data make the next version. At most one set per round is active.
    """

    __tablename__ = "weight_set"
    __table_args__ = (
        UniqueConstraint("round_id", "name", "version", name="uq_weight_set_round_name_version"),
        Index(
            "uq_weight_set_active_round",
            "round_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(32))
    # What was asked (margins, cells, trimming, tolerances), canonical JSON, and its hash;
    # data_hash fingerprints the responses it was computed from (ids, base weights, categories).
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs_hash: Mapped[str] = mapped_column(String(64))
    data_hash: Mapped[str] = mapped_column(String(64))
    responses: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(255))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)


class WeightValue(Base):
    """One response's weight in a weight set."""

    __tablename__ = "weight_value"

    weight_set_id: Mapped[int] = mapped_column(
        ForeignKey("weight_set.id", ondelete="CASCADE"), primary_key=True
    )
    response_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("response.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    weight: Mapped[float] = mapped_column(Float)
