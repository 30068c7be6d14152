from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.models.base import Base, BigId, Timestamp, utcnow


class Job(Base):
    """Work a request asked for and the background worker does (app.worker.jobs): freezing a
    round's figures, building its microdata file. ``key`` is unique while the job is queued or
    running (``kind:round:variant``), so asking twice gives one job; a finished job's key gets
    ``#id`` appended, freeing it. ``content``: the built file (microdata), served as it is."""

    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_status_id", "status", "id"),
        Index("ix_job_round_kind_variant", "round_id", "kind", "variant"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    variant: Mapped[str] = mapped_column(String(32), default="")  # e.g. the file format
    key: Mapped[str] = mapped_column(String(128), unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[str] = mapped_column(String(100), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    data_at: Mapped[datetime | None] = mapped_column(Timestamp)  # what the result reflects
    requested_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    heartbeat_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
