from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.forms.method import FigureKind


class RoundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    form: str = Field(validation_alias="form_code")
    status: str
    starts_on: date
    ends_on: date
    ci: str = Field(
        validation_alias="design_ci",
        description="A share's 95% interval: logit | beta (Korn–Graubard) | wilson (score)",
    )
    lonely_psu: str = Field(
        validation_alias="design_lonely_psu",
        description="Strata with one PSU, as R's survey.lonely.psu: adjust | average | "
        "certainty | remove | fail",
    )
    variance: str = Field(
        "linearisation",
        validation_alias="design_variance",
        description="Standard errors: linearisation | jk1 | jkn | bootstrap (replicate weights)",
    )

    measure: FigureKind | None = Field(
        None, description="Official-method SIPAS estimate, adapted method, or internal feedback"
    )


class InferenceIn(BaseModel):
    """A round's inference settings (R's svyciprop method and survey.lonely.psu)."""

    ci: Literal["logit", "beta", "wilson"] = Field(
        description="logit: svyciprop 'xlogit'; beta: Korn–Graubard (recommended for shares "
        "near 0 or 100); wilson: score interval at the effective sample size"
    )
    lonely_psu: Literal["adjust", "average", "certainty", "remove", "fail"] = Field(
        description="adjust: the PSU centred at the grand mean; average: the strata's mean "
        "variance; certainty/remove: no variance; fail: estimates refused (409)"
    )
    variance: Literal["linearisation", "jk1", "jkn", "bootstrap"] | None = Field(
        None,
        description="The SEs: linearisation (Taylor) or replicate weights: jk1 (no strata), "
        "jkn (strata), bootstrap (Rao–Wu); omitted: unchanged",
    )
    replicates: int | None = Field(
        None,
        ge=2,
        le=1000,
        description="The bootstrap's replicates (default 80); omitted: unchanged",
    )
