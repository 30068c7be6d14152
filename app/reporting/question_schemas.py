"""JSON shapes (v1) of per-question statistics and of points scores."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.reporting.numbers import Figure
from app.reporting.schemas import DesignInfo, UnitRef


class Frequency(BaseModel):
    value: str = Field(description="Option value, scale level, or 'na'")
    label: str
    respondents: int
    weighted_respondents: Figure
    share: Figure | None = Field(description="Weighted percent of those who answered the question")
    unweighted_share: Figure | None = Field(
        default=None, description="Unweighted percent of those who answered the question"
    )
    se: Figure | None = Field(
        default=None, description="Standard error of the share, percentage points"
    )
    ci95: list[Figure] | None = Field(
        default=None, description="95% interval [low, high] of the share inside 0–100 (logit)"
    )
    deff: Figure | None = Field(default=None, description="Design effect (variance ratio)")
    effective_n: Figure | None = Field(
        default=None, description="The question's respondents / deff"
    )


class QuestionResult(BaseModel):
    code: str
    type: str
    text: str
    element: str | None
    respondents: int = Field(description="Responses that answered this question")
    weighted_respondents: Figure
    mean: Figure | None = Field(description="Weighted mean (numbers, percentages, scale levels)")
    satisfied_share: Figure | None = Field(
        description="Weighted percent at a satisfied level among valid (not N/A) answers"
    )
    frequencies: list[Frequency]


class IndicatorResult(BaseModel):
    code: str
    name: str
    score: Figure | None = Field(description="Mean points over dossiers, rounded as declared")
    dossiers: int


class PointsReport(BaseModel):
    indicators: list[IndicatorResult]
    total: Figure | None = Field(description="Sum over indicators with data")
    maximum: Figure = Field(description="Best possible total over those indicators")
    score_class: str | None


class QuestionsReport(BaseModel):
    round: str
    form: str
    form_version: str
    design: DesignInfo = Field(description="The design the shares' standard errors follow")
    unit: UnitRef
    questions: list[QuestionResult]
    points: PointsReport | None = Field(description="Only for points instruments (TT 01/2018)")
