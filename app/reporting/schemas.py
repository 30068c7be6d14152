"""The reporting API's stable JSON shapes (v1). Names and meanings do not change within v1."""

from __future__ import annotations

from pydantic import BaseModel, Field


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


class ElementResult(BaseModel):
    code: str
    name: str
    index: float | None
    criteria: list[CriterionResult]


class ChildResult(BaseModel):
    code: str
    name: str
    level: str
    respondents: int
    weighted_respondents: float
    index: float | None
    rank: int | None = Field(description="Among siblings; 1 = best; ties share a rank")


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
