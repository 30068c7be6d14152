"""The reporting API's stable JSON shapes (v1). Names and meanings do not change within v1."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.forms.method import FigureKind
from app.reporting.comparison_schemas import BandOut, PreviousResult, SnapshotRef, TargetResult
from app.weights.schemas import WeightSetOut

BAND = Field(None, description="Score band of the round (null: no bands set)")
PREVIOUS = Field(None, description="The previous round of this instrument (null: none)")
TARGET = Field(None, description="The unit's target for this round (null: none set)")
WEIGHT_SET = Field(
    None,
    description="The weight set the estimates use: the round's active set when it is weighted "
    "'raked' (id, name, version, method, created_at, ...); null: base weights (N_h/n_h from "
    "the units' volumes, or the weights given with the responses)",
)


class UnitRef(BaseModel):
    code: str
    name: str
    level: str


class RankOf(BaseModel):
    """Rank r of N among siblings on the same measure."""

    rank: int | None = Field(description="1 = best; ties share a rank; null: not ranked")
    of: int = Field(description="Siblings ranked on this measure")


class Uncertainty(BaseModel):
    """Design-based uncertainty of an index (see the report's ``design``)."""

    unweighted_index: float | None = Field(
        default=None, description="Unweighted share satisfied, percent (same aggregation)"
    )
    se: float | None = Field(default=None, description="Standard error, percentage points")
    ci95: list[float] | None = Field(
        default=None, description="95% interval [low, high] inside 0–100 (logit)"
    )
    deff: float | None = Field(default=None, description="Design effect (variance ratio)")
    effective_n: float | None = Field(default=None, description="n / deff")
    reliable: bool = Field(
        default=False, description="n and relative SE within the configured limits"
    )


class Precision(Uncertainty):
    """Uncertainty and the rank among siblings on the same measure."""

    rank_of: RankOf | None = Field(default=None, description="Among siblings; null: no siblings")


class CriterionResult(Precision):
    code: str
    name: str
    index: float | None = Field(description="Weighted share satisfied, percent 0–100")
    respondents: int = Field(description="Valid (not N/A) answers to this criterion")
    weighted_respondents: float = Field(description="Sum of their weights")
    band: str | None = BAND
    previous: PreviousResult | None = PREVIOUS


class ElementResult(Precision):
    code: str
    name: str
    index: float | None
    respondents: int = Field(default=0, description="Responses that answered any criterion")
    weighted_respondents: float = 0.0
    criteria: list[CriterionResult]
    band: str | None = BAND
    previous: PreviousResult | None = PREVIOUS


class ChildResult(Precision):
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


class Reliability(BaseModel):
    min_n: int
    max_rse: float = Field(description="Largest SE / index (as a fraction) still reliable")
    withheld: bool = Field(description="Unreliable indices are reported as null")
    rank_unreliable: bool = Field(description="Unreliable estimates are ranked too")


class DesignInfo(BaseModel):
    """The design the standard errors follow, and how intervals and deff are computed."""

    weighting: str = Field(description="volume | as-given | raked")
    strata: str | None = Field(description="null | unit | column | a unit level")
    psu: str | None = Field(description="null (each response) | column | day")
    fpc: bool = Field(description="Finite-population correction applied")
    lonely_psu: str
    variance_method: str
    ci_method: str
    deff_method: str
    reliability: Reliability


class DomainResult(BaseModel):
    """A published index over a group of elements (point estimate, same rule as the overall)."""

    code: str
    name: str
    elements: list[str]
    index: float | None = Field(description="Percent 0–100; null if no criterion has answers")


class SatisfactionReport(Precision):
    round: str
    form: str
    form_version: str
    measure: FigureKind | None = Field(
        None, description="What the figure is: official-method SIPAS, adapted, or internal feedback"
    )
    domains: list[DomainResult] = Field(
        default_factory=list, description="Domain indices beside the overall (e.g. SIPAS 2023)"
    )
    aggregation: str = Field(description="How element and overall indices combine criteria")
    design: DesignInfo
    weight_set: WeightSetOut | None = WEIGHT_SET
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
