"""What a weight set is computed from (stored as its ``inputs``), and how sets are shown."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# 'unit' (the response's unit), 'unit@LEVEL' (its ancestor at that level), 'stratum' (the
# response's own stratum column) or the code of a single-choice question (gender, age_band).
Variable = str
VARIABLE_PATTERN = r"^(unit@[A-Za-z0-9_.-]{1,32}|[A-Za-z][A-Za-z0-9_]{0,59})$"
Method = Literal["base", "nonresponse", "poststratify", "rake"]
TAKES = {
    "base": set(),
    "nonresponse": {"nonresponse"},
    "poststratify": {"nonresponse", "cells"},
    "rake": {"nonresponse", "margins", "trim"},
}
NEEDS = {"nonresponse": "nonresponse", "poststratify": "cells", "rake": "margins"}


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


class MarginTotal(BaseModel):
    """A population total for one category of one raking variable."""

    model_config = ConfigDict(extra="forbid")
    variable: Variable = Field(pattern=VARIABLE_PATTERN)
    category: str = Field(max_length=255)
    total: float = Field(ge=0)

    _total = field_validator("total")(_finite)


class CellTotal(BaseModel):
    """A population total for one cell: a category of each post-stratification variable."""

    model_config = ConfigDict(extra="forbid")
    cell: dict[Variable, str] = Field(min_length=1, max_length=5)
    total: float = Field(ge=0)

    _total = field_validator("total")(_finite)


class EligibleTotal(BaseModel):
    """The eligible sample of one stratum: a count (equal base weights within the stratum)
    or the sum of its base weights."""

    model_config = ConfigDict(extra="forbid")
    stratum: str = Field(max_length=255)
    count: float | None = Field(None, ge=0)
    weight: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _one(self) -> EligibleTotal:
        if (self.count is None) == (self.weight is None):
            raise ValueError("give either count or weight")
        return self


class Nonresponse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: Variable = Field("unit", pattern=VARIABLE_PATTERN)
    eligible: list[EligibleTotal] = Field(min_length=1)


class Trim(BaseModel):
    """Bounds on the final weights: ratios to the weights raking starts from ('factor', as
    R's calibrate bounds) or the weights themselves ('weight', bounds.const = TRUE)."""

    model_config = ConfigDict(extra="forbid")
    lower: float = Field(ge=0)
    upper: float = Field(gt=0)
    scale: Literal["factor", "weight"] = "factor"

    @model_validator(mode="after")
    def _order(self) -> Trim:
        if not self.lower < self.upper:
            raise ValueError("lower must be below upper")
        return self


class WeightingInputs(BaseModel):
    """Base weights, then optionally nonresponse adjustment, then post-stratification or
    raking (optionally trimmed)."""

    model_config = ConfigDict(extra="forbid")
    method: Method
    nonresponse: Nonresponse | None = None
    cells: list[CellTotal] | None = Field(None, min_length=1)
    margins: list[MarginTotal] | None = Field(None, min_length=1)
    trim: Trim | None = None
    tolerance: float = Field(1e-10, gt=0, le=0.01)
    max_iterations: int = Field(1000, ge=1, le=100_000)

    @model_validator(mode="after")
    def _consistent(self) -> WeightingInputs:
        given = {k for k in ("nonresponse", "cells", "margins", "trim") if getattr(self, k)}
        if extra := sorted(given - TAKES[self.method]):
            raise ValueError(f"method {self.method} takes no {', '.join(extra)}")
        needed = NEEDS.get(self.method)
        if needed and needed not in given:
            raise ValueError(f"method {self.method} needs {needed}")
        if self.cells and len({tuple(sorted(c.cell)) for c in self.cells}) > 1:
            raise ValueError("every cell must name the same variables")
        return self

    def variables(self) -> list[str]:
        """The variables these inputs classify responses by, in order of first use."""
        found = [self.nonresponse.by] if self.nonresponse else []
        found += [v for c in (self.cells or [])[:1] for v in c.cell]
        found += [m.variable for m in self.margins or []]
        return list(dict.fromkeys(found))


class ComputeRequest(WeightingInputs):
    name: str | None = Field(
        None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="default: the method"
    )
    activate: bool = Field(False, description="make it the round's weights (weighting 'raked')")


class WeightSetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    version: int
    method: str
    active: bool
    responses: int
    created_at: datetime
    created_by: str
    inputs_hash: str
    data_hash: str


class Coverage(BaseModel):
    """How the set matches the round's valid responses now."""

    valid_responses: int
    missing: int = Field(description="valid responses without a weight (arrived later)")
    dropped: int = Field(description="responses in the set that are no longer valid")
    stale: bool


class WeightSetDetail(WeightSetOut):
    inputs: dict[str, Any]
    summary: dict[str, Any]
    coverage: Coverage | None = None


class ComputeResult(WeightSetDetail):
    created: bool = Field(description="False: the same inputs over the same data; existing set")
