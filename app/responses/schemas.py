"""JSON shapes of the responses API (v1)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

ResponseStatus = Literal["valid", "excluded"]


class ResponseItem(BaseModel):
    id: int
    round: str
    unit: str
    unit_name: str
    channel: str
    status: ResponseStatus
    submitted_at: datetime
    status_reason: str | None = Field(description="Why it was last excluded or restored")
    has_comment: bool = Field(description="It holds free text handled as a comment")
    over_quota: bool = Field(description="Accepted after its soft quota was full")


class ResponsePage(BaseModel):
    items: list[ResponseItem]
    next_before: int | None = Field(
        description="Pass as ?before= for the next page (newest first); null on the last page"
    )


class AnswerOut(BaseModel):
    question: str
    label: str = Field(description="The question as the response's instrument version asked it")
    type: str
    value: str = Field(description="The answer as shown: level and label, option labels, text")
    comment_id: int | None = None


class CommentRef(BaseModel):
    id: int
    question: str
    status: str


class ResponseDetail(ResponseItem):
    form: str
    form_version: str
    status_changed_by: str | None
    status_changed_at: datetime | None
    answers: list[AnswerOut]
    comments: list[CommentRef]


class StatusChange(BaseModel):
    """Why a response is excluded from (or restored to) the statistics."""

    reason: str = Field(default="", max_length=2000)
