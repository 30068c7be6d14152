from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, Timestamp, utcnow

COMMENT_STATUSES = ("new", "assigned", "answered", "closed")


class Comment(Base):
    """A citizen's free-text answer handled as feedback (góp ý, phản ánh, kiến nghị).

    The text itself stays in its answer row (``response_id``, ``question``); a comment adds the
    handling: who it is assigned to, the reply, the due date. Comments are derived from answers
    by an idempotent sync (app.comments.sync), so the unique key makes a second run a no-op.
    """

    __tablename__ = "comment"
    __table_args__ = (
        UniqueConstraint("response_id", "question", name="uq_comment_response_question"),
        CheckConstraint("status IN ('new', 'assigned', 'answered', 'closed')", name="status"),
        Index("ix_comment_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    response_id: Mapped[int] = mapped_column(BigId, ForeignKey("response.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(64))
    # Copied from the response, so that scope and round filters need no join.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    replied_at: Mapped[datetime | None] = mapped_column(Timestamp)
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # The local date it was first answered or closed since it was (re)opened: compared with
    # ``due_on`` for the on-time share (deadlines are counted in days).
    handled_on: Mapped[date | None] = mapped_column(Date)
    # The last working day to handle it (local date); filled by the sync from the submission.
    due_on: Mapped[date | None] = mapped_column(Date)
    # What it is about, from its text (app.comments.themes), set when it is made.
    theme: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
