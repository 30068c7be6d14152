from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, Timestamp, utcnow


class DossierEvent(Base):
    """One event of a dossier fed by the province's one-stop system (app/dossiers): received,
    returned or cancelled. Stored once per (dossier number, event type): a repeated post is a
    no-op. The number is an administrative reference; no citizen's personal data is kept."""

    __tablename__ = "dossier_event"
    __table_args__ = (
        UniqueConstraint("number", "kind", name="uq_dossier_event_number_kind"),
        Index("ix_dossier_event_unit_kind_returned", "unit_id", "kind", "returned_on"),
        Index("ix_dossier_event_rating_hash", "rating_hash"),
        Index(
            "ix_dossier_event_unfolded",
            "id",
            postgresql_where=text("tally IS NULL"),
            sqlite_where=text("tally IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # received / returned / cancelled
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    procedure_code: Mapped[str] = mapped_column(String(64))
    procedure_name: Mapped[str] = mapped_column(String(500), default="")
    field: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(16))  # in_person / online / postal
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    returned_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    # Which key fed it (for the audit of a feed; the key's row outlives revocation).
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id", ondelete="SET NULL"))
    stored_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # A returned dossier's own rating code (app/dossiers/rating.py): the round it was issued
    # for and the keyed hash a response to it stores as ``response.receipt_hash`` — the link
    # between the dossier and its rating (the response never holds the dossier number).
    rating_round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id", ondelete="SET NULL"))
    rating_hash: Mapped[str | None] = mapped_column(String(32))
    # The indicators' tally (app/dossiers/tally.py): None until the worker has counted the
    # event into dossier_tally; then 1 (counted) or 0 (not counted: a returned dossier that
    # was cancelled, before or after it was counted).
    tally: Mapped[int | None] = mapped_column(SmallInteger)
