"""JSON shapes (v1) of the ranking table and of a report broken down by a category."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.reporting.comparison_schemas import (
    BandOut,
    PreviousResult,
    SnapshotRef,
    TargetResult,
    with_places,
)
from app.reporting.freshness_schemas import FreshnessOut
from app.reporting.numbers import Figure
from app.reporting.schemas import (
    SCREENING,
    WEIGHT_SET,
    DesignInfo,
    ElementResult,
    HierarchyOut,
    Precision,
    ScreeningCounts,
    Uncertainty,
    UnitRef,
)
from app.weights.schemas import WeightSetOut


class RankingRow(Uncertainty):
    """A ranked unit: its overall index with the design-based fields of the report's children
    (points instruments: no standard errors)."""

    code: str
    name: str
    level: str
    parent: str | None = Field(description="Code of the unit's parent")
    index: Figure | None = Field(description="Overall index (percent), or total points")
    respondents: int
    weighted_respondents: Figure
    rank: int | None = Field(description="1 = best; ties share a rank; null without data")
    rank_of: int = Field(description="Number of ranked units: rank is 'rank of rank_of'")
    band: str | None = Field(description="Score band, or the TT 01/2018 class for points")
    previous: PreviousResult | None = Field(
        description="Previous round; rank among the same units then; null: no previous round"
    )
    target: TargetResult | None
    screening: ScreeningCounts | None = SCREENING

    @model_validator(mode="after")
    def _places(self) -> RankingRow:
        placed = with_places(self.previous, self.rank)
        if placed is not self.previous:  # assignment is validated: only when it changes
            self.previous = placed
        return self


class RankingReport(BaseModel):
    round: str
    form: str
    form_version: str
    measure: Literal["percent", "points"] = Field(
        description="percent: weighted satisfaction share; points: TT 01/2018 total"
    )
    aggregation: str
    design: DesignInfo | None = Field(
        None, description="The design the standard errors follow (null: points instruments)"
    )
    weight_set: WeightSetOut | None = WEIGHT_SET
    parent: UnitRef
    level: str
    bands: list[BandOut] | None
    previous_round: str | None
    rows: list[RankingRow]
    snapshot: SnapshotRef | None = Field(
        None, description="The frozen revision served; null: computed from current data"
    )
    freshness: FreshnessOut | None = Field(None, description="How current the figures are")
    hierarchy: HierarchyOut | None = Field(
        None,
        description="The unit hierarchy the ranking rolls up with: as_of (a day) and basis "
        "(round: the round's first day, the default; now; date)",
    )


class CategoryResult(Precision):
    """The domain "the unit's subtree and this category", with the report's design-based
    fields; ``rank_of``: among the categories (elements and criteria too)."""

    value: str | None = Field(description="Option value or channel; null: not answered")
    label: str
    respondents: int
    weighted_respondents: Figure
    index: Figure | None
    band: str | None = None
    elements: list[ElementResult]


class BreakdownReport(BaseModel):
    round: str
    form: str
    form_version: str
    aggregation: str
    design: DesignInfo = Field(description="The design the standard errors follow")
    weight_set: WeightSetOut | None = WEIGHT_SET
    unit: UnitRef
    by: str = Field(description="A single-choice question code, or 'channel'")
    by_text: str
    categories: list[CategoryResult]
