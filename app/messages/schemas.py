"""Invitations to send, and providers' callbacks."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.dossiers.schemas import NUMBER_PATTERN, EventError

Channel = Literal["sms", "zalo", "email"]
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(
        min_length=1,
        max_length=64,
        pattern=NUMBER_PATTERN,
        description="A returned dossier's number",
    )
    channel: Channel
    to: str = Field(
        min_length=3,
        max_length=254,
        pattern=NO_NUL,
        description="Phone (sms, zalo) or e-mail; erased once done",
    )


class InvitationsIn(BaseModel):
    invitations: list[InvitationIn] = Field(min_length=1, max_length=1000)


class InvitationResult(BaseModel):
    number: str
    status: Literal["queued", "rejected"]
    message_id: int | None = None
    error: EventError | None = Field(
        None,
        description="not_returned, out_of_scope, no_open_round, invalid_contact, opted_out, "
        "no_gateway",
    )


class InvitationsOut(BaseModel):
    results: list[InvitationResult]


class CallbackIn(BaseModel):
    """A provider's delivery report ({id, status}) or an inbound reply ({from, text})."""

    id: str | None = Field(None, max_length=100, pattern=NO_NUL)
    status: str | None = Field(None, max_length=16, pattern=NO_NUL)
    from_: str | None = Field(None, alias="from", max_length=254, pattern=NO_NUL)
    text: str | None = Field(None, max_length=1000, pattern=NO_NUL)


class BatchIn(BaseModel):
    """Send invitations to the dossiers a sample draw selected."""

    model_config = ConfigDict(extra="forbid")
    channels: list[Channel] = Field(
        min_length=1,
        max_length=3,
        description="In order of preference: each dossier gets one message, on the first "
        "channel its listed contact allows (sms and zalo: phone; email: e-mail)",
    )


class BatchOut(BaseModel):
    id: int
    round: str
    draw: int
    channels: list[str]
    status: Literal["pending", "done"] = Field(
        description="pending: the worker is still going through the draw's selections"
    )
    queued: int = Field(description="Dossiers given an invitation and a queued message")
    no_contact: int = Field(description="Selected dossiers with no usable contact")
    opted_out: int = Field(description="Selected dossiers whose contact asked for no messages")
    already_invited: int = Field(description="Selected dossiers that already had an invitation")
    messages: dict[str, int] = Field(
        description="The batch's messages by status: queued, sent, done, answered, opted_out, "
        "failed"
    )
    delivery: dict[str, int] = Field(description="By the provider's delivery report")
    created_at: datetime
    created_by: str
    done_at: datetime | None


class BatchesOut(BaseModel):
    batches: list[BatchOut]
