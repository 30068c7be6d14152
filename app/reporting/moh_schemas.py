"""JSON shapes of the satisfaction report's ``moh`` block (health instruments: the Ministry of
Health's mean score and "all items satisfied" share) and the texts that define them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.reporting.freshness_schemas import FreshnessOut
from app.reporting.numbers import Figure

MEAN_DEFINITION = (
    "mean score (1–5): an item's weighted mean of its valid answers 1–5 (0 / 'not used' "
    "leaves the denominator), Σ w·score / Σ w; a section's and the overall mean: the "
    "instrument's aggregation rule ({rule}) applied to the item means (items without an "
    "answer left out); R svyratio(~score, ~answered), svycontrast(svyratio(covmat = TRUE))"
)
ALL_SATISFIED_DEFINITION = (
    "all items satisfied: weighted percent of respondents who rated every item they rated "
    "(1–5, not 0) at a satisfied level (4 or 5), among those who rated at least one item; "
    "R svyratio(~allsat, ~rated)"
)
VARIANCE_DEFINITION = (
    "SE: Taylor linearisation under the round's design (strata, PSUs, fpc, lonely_psu); a "
    "round weighted by a raked or post-stratified set: calibration-aware (residuals on the "
    "calibration variables, as R's survey for a rake()/calibrate()/postStratify() design), "
    "other weights taken as fixed; df = PSUs − strata of the domain; 95% interval of a mean: "
    "mean ± t(0.975, df)·SE; of the share: the round's interval method. Computed from the "
    "responses by the background worker (see freshness), not from the maintained tallies"
)


class MohFigure(BaseModel):
    """One Ministry of Health indicator with its design-based uncertainty."""

    value: Figure | None = Field(
        description="Mean score 1–5, or (all_satisfied) percent 0–100; null: no answers"
    )
    se: Figure | None = Field(description="Standard error (score points, or percentage points)")
    ci95: list[Figure] | None = Field(description="95% interval [low, high]; null: none (df 0)")
    respondents: int = Field(
        description="Valid answers (an item); respondents who rated one of its items (others)"
    )
    weighted_respondents: Figure = Field(description="Sum of their weights")
    df: int = Field(description="Degrees of freedom of the domain (PSUs − strata)")


class MohItem(MohFigure):
    code: str
    name: str


class MohSection(MohFigure):
    code: str
    name: str
    items: list[MohItem]


class MohChild(BaseModel):
    code: str
    name: str
    level: str
    mean: MohFigure
    all_satisfied: MohFigure


class MohIndicators(BaseModel):
    """The Ministry of Health's indicators (QĐ 3869/QĐ-BYT practice) of a health instrument."""

    mean_definition: str
    all_satisfied_definition: str
    variance_method: str
    mean: MohFigure = Field(description="Overall mean score (1–5)")
    all_satisfied: MohFigure = Field(description="Percent satisfied with every item rated")
    sections: list[MohSection]
    children: list[MohChild] = Field(default_factory=list)
    freshness: FreshnessOut | None = Field(
        None,
        description="source 'worker': computed by the background worker at as_of; stale: the "
        "round's figures changed since (it is being redone); null: computed with the figures "
        "around it (a published revision)",
    )
