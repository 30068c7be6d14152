from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, Timestamp, utcnow


class Invitation(Base):
    """A single-use invitation to answer a round's form for one unit (and stratum).

    Only the hash of its random token is stored; the token itself is handed out once, as a
    URL or QR code. It carries no personal data: who received it stays with the sample.
    """

    __tablename__ = "invitation"
    __table_args__ = (Index("ix_invitation_round_unit", "round_id", "unit_id", "stratum"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    stratum: Mapped[str | None] = mapped_column(String(64))
    # The sampled dossier this invitation was issued for (sample_selection.id; linked later).
    selection_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("sample_selection.id", ondelete="RESTRICT"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # Set once, by the conditional UPDATE that accepts the first valid submission.
    redeemed_at: Mapped[datetime | None] = mapped_column(Timestamp)
