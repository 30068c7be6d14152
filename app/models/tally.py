"""Maintained sufficient statistics of rounds (see app.statistics.maintained).

Responses are folded in from ``tally_queue`` (filled by database triggers on ``response``) so
that reports read a few thousand aggregate rows instead of every answer. Weights derived from
volumes are applied when read (cells of responses without a base weight hold plain counts).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, Timestamp


class TallyState(Base):
    """What a round's maintained tallies were built for; stale or different → rebuilt."""

    __tablename__ = "tally_state"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    signature: Mapped[str] = mapped_column(String(255))
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    built_at: Mapped[datetime] = mapped_column(Timestamp)
    as_of: Mapped[datetime | None] = mapped_column(Timestamp)  # the last fold's commit
    data_at: Mapped[datetime | None] = mapped_column(Timestamp)  # latest submission folded
    folded: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # folds
    design: Mapped[str | None] = mapped_column(Text)  # the Design built for, as JSON


class TallyQueue(Base):
    """A response that entered (+1) or left (-1) a round's valid responses, as it was then."""

    __tablename__ = "tally_queue"
    __table_args__ = (Index("ix_tally_queue_round_id", "round_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    round_id: Mapped[int] = mapped_column()
    response_id: Mapped[int] = mapped_column(BigInteger)
    unit_id: Mapped[int] = mapped_column()
    sign: Mapped[int] = mapped_column(SmallInteger)
    base_weight: Mapped[float | None] = mapped_column(Float)
    stratum: Mapped[str | None] = mapped_column(String(64))
    psu: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(Timestamp)
    queued_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class TallyCell(Base):
    """Sums over the valid answers to one question in one cell (unit, weight kind, stratum),
    on its summary row (pkey '') and, in clustered designs, per PSU (pkey 'p:<key>').
    ``given``: responses with a base weight (f = base weight), else f = 1 and the unit's
    derived weight multiplies when read. Pseudo-questions: '*' every response, '@' any criterion
    answered, '@<element>' any criterion of that element answered."""

    __tablename__ = "tally_cell"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    given: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    skey: Mapped[str] = mapped_column(String(64), primary_key=True)
    pkey: Mapped[str] = mapped_column(String(80), primary_key=True)
    question: Mapped[str] = mapped_column(String(80), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
    n_sat: Mapped[int] = mapped_column(BigInteger)
    sw: Mapped[float] = mapped_column(Float)
    sw_sat: Mapped[float] = mapped_column(Float)
    # PSUs with a valid answer: on the cell's summary row (pkey '') of a clustered design
    psus: Mapped[int] = mapped_column(BigInteger)


class TallyPair(Base):
    """Cross-products of two criteria in one cell (q1 <= q2): s_* = Σ f·(x1·x2, y1·x2, x1·y2,
    y1·y2) over responses; g_* the same products of PSU totals summed over PSUs (single-response
    PSUs: Σ f²·(…))."""

    __tablename__ = "tally_pair"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    given: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    skey: Mapped[str] = mapped_column(String(64), primary_key=True)
    q1: Mapped[str] = mapped_column(String(64), primary_key=True)
    q2: Mapped[str] = mapped_column(String(64), primary_key=True)
    s_n: Mapped[float] = mapped_column(Float)
    s_y1: Mapped[float] = mapped_column(Float)
    s_y2: Mapped[float] = mapped_column(Float)
    s_y12: Mapped[float] = mapped_column(Float)
    g_n: Mapped[float] = mapped_column(Float)
    g_y1: Mapped[float] = mapped_column(Float)
    g_y2: Mapped[float] = mapped_column(Float)
    g_y12: Mapped[float] = mapped_column(Float)
