from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp, utcnow

ACTION_STATUSES = ("planned", "in_progress", "done", "cancelled")
REVIEWS = ("approved", "rejected")


class ImprovementAction(Base):
    """One action of a unit's improvement plan for a round (app/improvement): tied to
    criteria or elements, with who is responsible and when it is due."""

    __tablename__ = "improvement_action"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'in_progress', 'done', 'cancelled')", name="status"),
        CheckConstraint("review IS NULL OR review IN ('approved', 'rejected')", name="review"),
        Index("ix_improvement_action_round_unit", "round_id", "unit_id"),
        Index("ix_improvement_action_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(300))
    # Criterion and element codes of the round's instrument that the action targets.
    criteria: Mapped[list[Any]] = mapped_column(JSON)
    responsible_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit.id", ondelete="RESTRICT")
    )
    # The head of unit responsible (a staff member's name and title, not a citizen's data).
    responsible_person: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    done_on: Mapped[date | None] = mapped_column(Date)
    review: Mapped[str | None] = mapped_column(String(16))
    review_note: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class ImprovementNote(Base):
    """A progress note on an action."""

    __tablename__ = "improvement_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("improvement_action.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class ImprovementEvidence(Base):
    """An evidence file (tài liệu kiểm chứng): PDF, PNG or JPEG, checked by its first bytes,
    kept in the database and only ever served as a download."""

    __tablename__ = "improvement_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("improvement_action.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class ImprovementFigures(Base):
    """The gaps, key drivers or (health rounds) Ministry of Health block of a unit in a round
    (app/improvement/cache.py, app/reporting/moh.py), or a ranking of a level under it (kind
    'ranking:<level>', app/reporting/ranking_store.py), as the background worker last computed
    them: requests serve them as they are and say when they were made (``as_of``) and from which
    data (``basis``: when the round's figures last changed)."""

    __tablename__ = "improvement_figures"
    __table_args__ = (
        CheckConstraint("kind IN ('gaps', 'drivers', 'moh') OR kind LIKE 'ranking:%'", name="kind"),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    as_of: Mapped[datetime] = mapped_column(Timestamp)  # when computed
    basis: Mapped[datetime] = mapped_column(Timestamp)  # the data's last change it reflects
    report: Mapped[dict[str, Any]] = mapped_column(JSON)


class ImprovementDemand(Base):
    """A unit whose gaps or drivers were asked for before the worker computed them
    (app/improvement/cache.py): the worker computes these first, then deletes the row."""

    __tablename__ = "improvement_demand"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    requested_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
