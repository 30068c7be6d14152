"""Request and response shapes of the round settings that reports compare with, and of
frozen revisions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.reporting.comparison_schemas import BandOut


class BandsIn(BaseModel):
    bands: list[BandOut] | None = Field(
        description="Best first, e.g. A min 90, B min 80, C min null; null or [] removes them"
    )


class TargetIn(BaseModel):
    unit: str
    value: float | None = Field(description="Target for the overall index; null removes it")


class TargetsIn(BaseModel):
    targets: list[TargetIn] = Field(min_length=1, max_length=10_000)


class FreezeIn(BaseModel):
    note: str = Field("", max_length=500, description="Why this revision (e.g. a correction)")
    provisional: bool = Field(
        False,
        description="Provisional figures (tạm tính) of a round still open; the round stays "
        "open and reports keep serving current figures",
    )


class RevisionOut(BaseModel):
    revision: int
    content_hash: str
    frozen_at: datetime
    created_by: str
    note: str
    provisional: bool = Field(description="Frozen while the round was open (tạm tính)")
    units: int = Field(description="Units whose reports the revision holds")
