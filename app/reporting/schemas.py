"""The reporting API's stable JSON shapes (v1). Names and meanings do not change within v1."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.reporting.comparison_schemas import BandOut, PreviousResult, SnapshotRef, TargetResult

BAND = Field(None, description="Score band of the round (null: no bands set)")
PREVIOUS = Field(None, description="The previous round of this instrument (null: none)")
TARGET = Field(None, description="The unit's target for this round (null: none set)")


class UnitRef(BaseModel):
    code: str
    name: str
    level: str


class CriterionResult(BaseModel):
    code: str
    name: str
    index: float | None = Field(description="Weighted share satisfied, percent 0–100")
    respondents: int = Field(description="Valid (not N/A) answers to this criterion")
    weighted_respondents: float = Field(description="Sum of their weights")
    band: str | None = BAND
    previous: PreviousResult | None = PREVIOUS


class ElementResult(BaseModel):
    code: str
    name: str
    index: float | None
    criteria: list[CriterionResult]
    band: str | None = BAND
    previous: PreviousResult | None = PREVIOUS


class ChildResult(BaseModel):
    code: str
    name: str
    level: str
    respondents: int
    weighted_respondents: float
    index: float | None
    rank: int | None = Field(description="Among siblings; 1 = best; ties share a rank")
    band: str | None = BAND
    previous: PreviousResult | None = PREVIOUS
    target: TargetResult | None = TARGET


class SatisfactionReport(BaseModel):
    round: str
    form: str
    form_version: str
    aggregation: str = Field(description="How element and overall indices combine criteria")
    unit: UnitRef
    respondents: int = Field(description="Valid responses in the unit's subtree")
    weighted_respondents: float
    index: float | None = Field(description="Overall index, percent 0–100; null if no answers")
    elements: list[ElementResult]
    children: list[ChildResult]
    band: str | None = BAND
    previous: PreviousResult | None = PREVIOUS
    target: TargetResult | None = TARGET
    bands: list[BandOut] | None = Field(None, description="The round's score bands, best first")
    previous_round: str | None = Field(None, description="Code of the round compared with")
    snapshot: SnapshotRef | None = Field(
        None, description="The frozen revision served; null: computed from current data"
    )
