"""JSON shapes (v1) of the instrument catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.forms.method import FigureKind


class FormSummary(BaseModel):
    code: str
    version: str = Field(description="As registered; '<version>+<hash8>' for an edited file")
    content_hash: str
    title: str
    source: str | None
    aggregation: str = Field(
        description="Overall rule: mean_of_criteria, mean_of_elements, weighted_elements, "
        "pooled, points_with_classes"
    )
    measure: FigureKind = Field(description="Official-method index, adapted, or internal feedback")


class CriterionInfo(BaseModel):
    code: str
    text: str
    scale: str | None = Field(description="Named scale, or null for the instrument's scale")
    previous_codes: dict[str, str] = Field(description="Earlier version → the code there")


class ElementInfo(BaseModel):
    code: str
    name: str
    criteria: list[CriterionInfo]


class DomainInfo(BaseModel):
    code: str
    name: str
    elements: list[str] = Field(description="Element codes; the index follows the overall rule")


class VersionInfo(BaseModel):
    version: str
    content_hash: str
    created_at: datetime
    current: bool = Field(description="The version served now")


class FormDetail(FormSummary):
    scale: dict[str, Any] = Field(description="Levels, satisfied levels, not-applicable label")
    scales: dict[str, dict[str, Any]]
    rules: dict[str, Any] = Field(description="The aggregation rule in full (weights, classes)")
    method: dict[str, Any] | None = Field(description="status, family, source, differences")
    elements: list[ElementInfo]
    domains: list[DomainInfo] = Field(description="Published indices over groups of elements")
    questions: int = Field(description="Number of questions, follow-ups included")
    versions: list[VersionInfo]
