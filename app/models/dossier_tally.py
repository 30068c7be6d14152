from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp

COUNTS = ("received", "transactions", "with_due", "early", "on_time", "late", "online")


class DossierTally(Base):
    """The dossier feed's indicators counted per unit, day, procedure, field and channel, kept
    by the worker (app/dossiers/tally.py) so that a report sums days, never dossiers. Returned
    counts are by ``returned_on``, received ones by ``received_on``."""

    __tablename__ = "dossier_tally"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    field: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    transactions: Mapped[int] = mapped_column(Integer, default=0)
    with_due: Mapped[int] = mapped_column(Integer, default=0)
    early: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    online: Mapped[int] = mapped_column(Integer, default=0)


class DossierFold(Base):
    """One row: when the worker last brought dossier_tally up to date (the indicators'
    freshness)."""

    __tablename__ = "dossier_fold"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folded_at: Mapped[datetime] = mapped_column(Timestamp)


class DossierRatingTally(Base):
    """Responses given through a dossier's own rating code, counted per round, unit, local day
    of the response, and the dossier's procedure, field, channel and timeliness; recomputed by
    the worker (app/dossiers/rating_tally.py) so that /dossier-satisfaction only sums rows."""

    __tablename__ = "dossier_rating_tally"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    field: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    timeliness: Mapped[str] = mapped_column(String(8), primary_key=True)
    responses: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)


class DossierRatingState(Base):
    """Per round: when its dossier_rating_tally rows were computed (``as_of``) and from which
    linked responses (``basis``: their count and id sum, to see that they changed)."""

    __tablename__ = "dossier_rating_state"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    basis: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[datetime] = mapped_column(Timestamp)
