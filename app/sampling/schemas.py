"""API shapes of frames, list frames, plans and draws."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.sampling.allocation import Allocation
from app.sampling.planning import Method
from app.sampling.selection import DrawMethod
from app.sampling.sizes import Rule
from app.sampling.strata import SmallRule

Source = Literal["volumes", "dossiers"]


class CellIn(BaseModel):
    unit: str = Field(min_length=1, max_length=64)
    field: str = Field("", max_length=128, description="procedure field; '' when not split")
    transactions: int = Field(ge=0)


class FramePut(BaseModel):
    """Cells of the units to set: each listed unit's cells are replaced, others are kept."""

    cells: list[CellIn] = Field(min_length=1)


class CellOut(BaseModel):
    field: str
    transactions: int


class UnitFrame(BaseModel):
    unit: str
    name: str
    volume: int | None = Field(description="N_h: the unit's total (round_unit.volume)")
    cells: list[CellOut]


class FrameOut(BaseModel):
    round: str
    total: int
    units: list[UnitFrame]


class ImportReport(BaseModel):
    """What an import stored (it stores everything or nothing)."""

    kind: Literal["volumes", "dossiers"]
    rows: int
    units: int
    added_units: list[str] = Field(description="units the import added to the round")
    total: int = Field(description="transactions (volumes) or dossiers stored")
    seconds: float


class DossierCount(BaseModel):
    unit: str
    field: str
    dossiers: int
    with_contact: int
    first_completed: date
    last_completed: date


class DossierSummary(BaseModel):
    round: str
    total: int
    counts: list[DossierCount]


class PlanIn(BaseModel):
    method: Method = "per-stratum"
    rule: Rule = "yamane"
    margin: float = Field(0.05, gt=0, lt=1, description="margin of error e")
    proportion: float = Field(0.5, gt=0, lt=1, description="expected p (Cochran)")
    total: int | None = Field(None, ge=1, description="allocate: the total to share")
    allocation: Allocation = "proportional"
    minimum: int = Field(0, ge=0, description="at least this many per stratum (≤ N_h)")
    maximum: int | None = Field(None, ge=1, description="at most this many per stratum")
    threshold: int = Field(0, ge=0, description="strata below this N are small")
    small: SmallRule = "exclude"
    source: Source | None = Field(
        None,
        description="N_h from 'volumes' or the list frame 'dossiers' (default: the list "
        "frame when the round has one)",
    )

    @model_validator(mode="after")
    def _check(self) -> PlanIn:
        if self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum is above maximum")
        if self.total is not None and self.method != "allocate":
            raise ValueError("a total is allocated: use method 'allocate'")
        return self


class StratumOut(BaseModel):
    stratum: str
    unit: str
    members: list[str]
    population: int
    size: int
    probability: float
    spread: float | None
    note: str


class ExcludedOut(BaseModel):
    unit: str
    population: int | None
    reason: str


class PlanOut(BaseModel):
    round: str
    version: int
    source: Source
    params: dict[str, object]
    population: int
    total: int
    strata: list[StratumOut]
    excluded: list[ExcludedOut]
    notes: list[str]
    created_at: datetime
    created_by: str


class DrawIn(BaseModel):
    seed: int | None = Field(None, ge=0, lt=2**63, description="default: a random seed, recorded")
    method: DrawMethod = "srs"


class SelectionOut(BaseModel):
    id: int
    dossier: str
    unit: str
    field: str
    stratum: str
    probability: float


class DrawOut(BaseModel):
    id: int
    round: str
    plan_version: int
    seed: int
    method: DrawMethod
    selected: int
    created_at: datetime
    created_by: str
    strata: list[StratumOut]


class DrawDetail(DrawOut):
    selections: list[SelectionOut]
