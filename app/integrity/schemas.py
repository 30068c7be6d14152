"""Integrity API schemas: the policy, the report, held responses, reviews, kiosks, receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.integrity.policy import IntegrityPolicy


class DayRow(BaseModel):
    day: str = Field(description="local date, YYYY-MM-DD")
    responses: int
    held: int
    satisfied: int = Field(description="satisfied answers to criteria")
    answered: int = Field(description="answers to criteria (not 'not applicable')")


class UnitIntegrity(BaseModel):
    unit: str
    name: str
    responses: int = Field(description="every response stored at the unit in this round")
    channels: dict[str, int] = Field(description="responses by channel (qr, kiosk, token, ...)")
    status: dict[str, int] = Field(description="responses by status: valid, held, excluded")
    review: dict[str, int] = Field(
        description="held responses by review: pending, accepted, rejected"
    )
    flags: dict[str, int] = Field(description="responses each rule fired on")
    index: float | None = Field(description="the unit's index (0-100) over valid responses")
    index_with_held: float | None = Field(description="the same index counting held responses too")
    volume: int | None = Field(description="transactions in the round's period")
    over_volume: bool = Field(description="more valid and held responses than transactions")
    expected_per_day: float | None = Field(description="transactions per open day")
    days: list[DayRow]
    shifted_days: list[str] = Field(
        default_factory=list, description="days whose satisfied share departs from the others"
    )
    suspicion: float = Field(description="what the ranking of units is by (docs/integrity.md)")


class IntegrityReport(BaseModel):
    round: str
    as_of: datetime | None = Field(description="when the report was computed (None: not yet)")
    policy: IntegrityPolicy
    units: list[UnitIntegrity] = Field(description="most suspicious first")


class HeldResponse(BaseModel):
    id: int
    unit: str
    channel: str
    submitted_at: datetime
    seconds_to_complete: float | None
    flags: list[str]


class HeldPage(BaseModel):
    items: list[HeldResponse]
    next_before: int | None


class ReviewIn(BaseModel):
    ids: list[int] = Field(min_length=1, max_length=1000)
    decision: Literal["accept", "reject"]
    reason: str = Field(min_length=1, max_length=2000)


class ReviewOut(BaseModel):
    decided: list[int]
    status: str


class KioskIn(BaseModel):
    unit: str = Field(max_length=64)
    name: str = Field("", max_length=255)


class KioskOut(BaseModel):
    id: int
    unit: str
    name: str
    activation_url: str | None = Field(description="open once on the tablet; shown only now")
    revoked: bool = False


class ReceiptsIn(BaseModel):
    unit: str = Field(max_length=64)
    dossiers: list[str] = Field(min_length=1, max_length=5000, description="dossier numbers")


class ReceiptOut(BaseModel):
    dossier: str
    code: str
    url: str


class ReceiptKey(BaseModel):
    round: str
    key: str = Field(description="hex HMAC-SHA256 key for issuing this round's codes")
    algorithm: str
