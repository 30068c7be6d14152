"""The reporting API's stable JSON shapes (v1). Names and meanings do not change within v1."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from app.forms.method import FigureKind
from app.reporting.comparison_schemas import (
    BandOut,
    PreviousResult,
    SnapshotRef,
    TargetResult,
    with_places,
)
from app.reporting.freshness_schemas import FreshnessOut
from app.reporting.moh_schemas import MohIndicators
from app.reporting.numbers import Figure
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
    """Rank r of N among siblings on the same measure (internal; the API serves the two
    integers ``rank`` and ``rank_of``)."""

    rank: int | None = Field(description="1 = best; ties share a rank; null: not ranked")
    of: int = Field(description="Siblings ranked on this measure")


class Uncertainty(BaseModel):
    """Design-based uncertainty of an index (see the report's ``design``)."""

    unweighted_index: Figure | None = Field(
        default=None, description="Unweighted share satisfied, percent (same aggregation)"
    )
    se: Figure | None = Field(default=None, description="Standard error, percentage points")
    ci95: list[Figure] | None = Field(
        default=None, description="95% interval [low, high] inside 0–100 (logit)"
    )
    deff: Figure | None = Field(default=None, description="Design effect (variance ratio)")
    effective_n: Figure | None = Field(default=None, description="n / deff")
    reliable: bool = Field(
        default=False, description="n and relative SE within the configured limits"
    )


RANK = Field(
    None,
    description="Among siblings on the same measure; 1 = best; ties share a rank; "
    "null: not ranked (no data, unreliable, or no siblings)",
)
RANK_OF = Field(
    None,
    description="Number of siblings ranked on this measure: rank is "
    "'rank of rank_of' (an integer everywhere, as in /ranking); null: no siblings",
)


def flat_rank(data: Any) -> Any:
    """Accept the object shape ``rank_of: {rank, of}`` of revisions frozen before v1.1."""
    if isinstance(data, dict) and isinstance(data.get("rank_of"), dict):
        old = data["rank_of"]
        data = {**data, "rank_of": old.get("of")}
        data.setdefault("rank", old.get("rank"))
    return data


class Precision(Uncertainty):
    """Uncertainty and the rank among siblings on the same measure."""

    rank: int | None = RANK
    rank_of: int | None = RANK_OF

    @model_validator(mode="before")
    @classmethod
    def _flat_rank(cls, data: Any) -> Any:
        return flat_rank(data)


class CriterionResult(Precision):
    code: str
    name: str
    index: Figure | None = Field(description="Weighted share satisfied, percent 0–100")
    respondents: int = Field(description="Valid (not N/A) answers to this criterion")
    weighted_respondents: Figure = Field(description="Sum of their weights")
    band: str | None = BAND
    previous: PreviousResult | None = PREVIOUS


class ElementResult(Precision):
    code: str
    name: str
    index: Figure | None
    respondents: int = Field(
        default=0, description="Responses that answered any criterion of this element"
    )
    weighted_respondents: Figure = Field(0.0, description="Sum of their weights")
    criteria: list[CriterionResult]
    band: str | None = BAND
    previous: PreviousResult | None = PREVIOUS


class ScreeningCounts(BaseModel):
    """Responses the integrity screening kept out of (or let into) the figures, in the unit's
    subtree (docs/integrity.md)."""

    held: int = Field(description="Held and awaiting review: in no estimate, rank or export")
    accepted: int = Field(description="Held, then accepted by a reviewer: counted as valid")
    rejected: int = Field(description="Held, then rejected by a reviewer: excluded")
    as_of: datetime = Field(description="When the integrity report these come from was made")


SCREENING = Field(
    None, description="Held, accepted and rejected responses (null: not yet screened)"
)


class ChildResult(Precision):
    code: str
    name: str
    level: str
    respondents: int = Field(description="Responses that answered at least one criterion")
    weighted_respondents: Figure = Field(description="Sum of their weights")
    index: Figure | None
    rank: int | None = Field(description="Among siblings; 1 = best; ties share a rank")
    band: str | None = BAND
    previous: PreviousResult | None = PREVIOUS
    target: TargetResult | None = TARGET
    screening: ScreeningCounts | None = SCREENING

    @model_validator(mode="after")
    def _places(self) -> ChildResult:
        self.previous = with_places(self.previous, self.rank)
        return self


class Reliability(BaseModel):
    min_n: int
    max_rse: Figure = Field(description="Largest SE / index (as a fraction) still reliable")
    withheld: bool = Field(description="Unreliable indices are reported as null")
    rank_unreliable: bool = Field(description="Unreliable estimates are ranked too")


class DesignInfo(BaseModel):
    """The design the standard errors follow, and how intervals and deff are computed."""

    weighting: str = Field(description="volume | as-given | raked")
    strata: str | None = Field(description="null | unit | column | a unit level")
    psu: str | None = Field(description="null (each response) | column | day")
    fpc: bool = Field(description="Finite-population correction applied")
    fpc_note: str | None = Field(
        None, description="Why a requested fpc is not applied (an unsupported design)"
    )
    lonely_psu: str = Field(
        description="Strata with one PSU, as R's survey.lonely.psu: adjust | average | "
        "certainty | remove | fail"
    )
    variance: str = Field(
        "linearisation",
        description="linearisation (Taylor) | jk1 | jkn | bootstrap (replicate weights)",
    )
    variance_method: str
    ci: str = Field("logit", description="The interval method: logit | beta | wilson")
    ci_method: str = Field(description="How the 95% intervals are computed, with their df")
    df_method: str = Field("", description="The degrees of freedom of every interval")
    deff_method: str
    replicates_as_of: datetime | None = Field(
        None,
        description="Replicate variance: when the stored replicate factors (and a calibrated "
        "round's replicate weights) were built by the background worker; null otherwise",
    )
    reliability: Reliability


class TallyStatus(BaseModel):
    """A round's maintained tallies as the background worker keeps them."""

    round: str
    built: bool = Field(description="The tallies exist (reports are served from them)")
    as_of: datetime | None = Field(description="When the last fold or rebuild committed")
    latest_response_at: datetime | None = Field(description="Latest submission folded in")
    folds: int = Field(description="Folds and rebuilds committed so far")
    stale: bool = Field(description="A rebuild is due or running")
    queued: int = Field(description="Changes queued, not yet folded")
    working: dict[str, str] | None = Field(
        description="What this process's worker is doing with the round (step, started_at)"
    )


class DomainResult(BaseModel):
    """A published index over a group of elements (point estimate, same rule as the overall)."""

    code: str
    name: str
    elements: list[str]
    index: Figure | None = Field(description="Percent 0–100; null if no criterion has answers")


class HierarchyOut(BaseModel):
    """Which unit hierarchy the figures roll up with (units merged, split, moved over time)."""

    as_of: date = Field(description="The day whose hierarchy the figures roll up with")
    basis: Literal["round", "now", "date"] = Field(
        description="round: the round's (its first day, or today if later; the default); "
        "now: today's (as_of=now); date: a day asked for"
    )


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
    respondents: int = Field(
        description="Responses in the unit's subtree that answered at least one criterion: "
        "the base of the overall index (its n), as elements count those that answered one of "
        "theirs and criteria their valid answers"
    )
    weighted_respondents: Figure = Field(description="Sum of their weights")
    responses: int = Field(
        0, description="Valid responses in the subtree, those that answered every criterion N/A too"
    )
    index: Figure | None = Field(description="Overall index, percent 0–100; null if no answers")
    elements: list[ElementResult]
    children: list[ChildResult]
    screening: ScreeningCounts | None = SCREENING
    band: str | None = BAND
    previous: PreviousResult | None = PREVIOUS
    target: TargetResult | None = TARGET
    bands: list[BandOut] | None = Field(None, description="The round's score bands, best first")
    previous_round: str | None = Field(None, description="Code of the round compared with")
    snapshot: SnapshotRef | None = Field(
        None, description="The frozen revision served; null: computed from current data"
    )
    freshness: FreshnessOut | None = Field(None, description="How current the figures are")
    hierarchy: HierarchyOut | None = Field(
        None, description="The unit hierarchy rolled up with (null: a revision frozen before)"
    )
    moh: MohIndicators | None = Field(
        None,
        description="Health instruments only: the Ministry of Health's mean score (1–5) per "
        "item, section and overall and the share satisfied with every item rated, with SEs "
        "and 95% intervals, as the background worker last computed them (its freshness "
        "says when); null for other instruments, and while moh_pending",
    )
    moh_pending: bool = Field(
        False,
        description="A health round's block is not computed yet for this unit: the background "
        "worker computes missing blocks first; ask again in a few minutes",
    )
