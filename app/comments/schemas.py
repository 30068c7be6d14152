"""JSON shapes of the comments API (v1). Texts are masked unless a reveal says otherwise."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

CommentStatus = Literal["new", "assigned", "answered", "closed"]


class CommentItem(BaseModel):
    id: int
    response_id: int
    question: str
    question_label: str
    round: str
    unit: str
    unit_name: str
    status: CommentStatus
    text: str = Field(description="The citizen's text, phone/ID/e-mail masked")
    received_at: datetime = Field(description="When the response was submitted")
    due_on: date | None = Field(description="Last working day to handle it (local date)")
    overdue: bool = Field(description="Not answered or closed, and past its due date")
    assignee: str | None = Field(description="E-mail of the assigned staff member")
    reply: str | None
    replied_at: datetime | None
    handled_on: date | None = Field(description="When it was answered or closed (local date)")


class CommentPage(BaseModel):
    items: list[CommentItem]
    counts: dict[str, int] = Field(description="Comments per status, and 'overdue', in filter")
    next_before: int | None


class HistoryEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


class Assignable(BaseModel):
    id: int
    email: str
    name: str


class CommentDetail(CommentItem):
    revealed: bool = Field(description="True when ``text`` is shown unmasked (audited)")
    actions: list[str] = Field(description="What the comment's status allows next")
    history: list[HistoryEntry]


CommentActionName = Literal["assign", "reply", "close", "reopen"]


class CommentAction(BaseModel):
    """The body of a handling action; each action reads its own field."""

    assignee_id: int = Field(default=0, description="assign: a manager or admin of the unit")
    reply: str = Field(default="", max_length=5000, description="reply: the answer given")
    note: str = Field(default="", max_length=2000, description="close, reopen: optional note")


class OnTimeRow(BaseModel):
    unit: str
    unit_name: str
    received: int = Field(description="Comments received")
    on_time: int = Field(description="Answered or closed by their due date")
    late: int = Field(description="Answered or closed after their due date")
    open_overdue: int = Field(description="Still open and past their due date")
    pending: int = Field(description="Still open, not yet due")
    due: int = Field(description="on_time + late + open_overdue: those whose outcome is known")
    share: float | None = Field(description="on_time / due in percent; null when nothing is due")


class OnTimeReport(BaseModel):
    round: str | None
    unit: str | None
    since: date | None
    until: date | None
    as_of: date = Field(description="Today (local): what counts as past due")
    total: OnTimeRow
    units: list[OnTimeRow]
