from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

QUOTA_MODES = ("hard", "soft")


class Quota(Base):
    """A target number of responses for a round's unit, or for one stratum within it.

    ``stratum`` '' is the whole unit (every response collected there); a named stratum counts
    the responses carrying it. ``filled`` is advanced atomically as responses are stored: a
    hard quota refuses responses once full, a soft one accepts them marked over quota (and
    excluded from statistics when ``exclude_over``).
    """

    __tablename__ = "quota"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", "stratum", name="uq_quota_round_unit_stratum"),
        CheckConstraint("mode IN ('hard', 'soft')", name="mode"),
        CheckConstraint("target >= 0", name="target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    stratum: Mapped[str] = mapped_column(String(64), default="")
    target: Mapped[int] = mapped_column(Integer)
    filled: Mapped[int] = mapped_column(Integer, default=0)
    mode: Mapped[str] = mapped_column(String(8), default="hard")
    exclude_over: Mapped[bool] = mapped_column(default=False)
