"""Webhook subscriptions and their delivery log, as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

EventType = Literal[
    "response.created",
    "response.low_score",
    "integrity.flag",
    "comment.overdue",
    "unit.below_target",
    "revision.frozen",
    "round.published",
]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: HttpUrl = Field(description="http(s) endpoint of the receiving system")
    unit: str = Field(min_length=1, max_length=64, description="Events of this unit's subtree")
    events: list[EventType] = Field(min_length=1)


class SubscriptionOut(BaseModel):
    id: int
    url: str
    unit: str
    events: list[str]
    active: bool
    failures: int = Field(description="Consecutive failed attempts")
    disabled_at: datetime | None


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="Signing secret (whsec_…): shown this once")


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    msg_id: str
    event_type: str
    status: str = Field(description="pending, delivered or failed (attempts exhausted)")
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
