from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp, utcnow


class PublicRevision(Base):
    """A frozen revision a province chose to show to everyone (public results pages and open
    data). Its row existing is the flag; withdrawing it deletes the row and its files."""

    __tablename__ = "public_revision"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("report_snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="RESTRICT"), index=True)
    # The round's top unit (the province page), fixed when the revision was made public.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    published_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    published_by: Mapped[str] = mapped_column(String(255))


class PublicFile(Base):
    """One open-data file of a public revision, written once when it was made public: its
    bytes are served as they are and its SHA-256 is what the verify page looks up."""

    __tablename__ = "public_file"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("public_revision.snapshot_id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
