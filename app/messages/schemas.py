"""Invitations to send, and providers' callbacks."""

from __future__ import annotations

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
