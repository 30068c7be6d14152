"""API payloads of invitations, quotas and response-rate progress."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, model_validator

from app.sampling.invitations import MAX_BATCH

Stratum = Field(None, min_length=1, max_length=64, description="Stratum within the unit")
SelectionId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class InvitationRequest(BaseModel):
    """Issue ``count`` tokens for a unit, or one per sampled dossier (``selection_ids``)."""

    unit: str = Field(min_length=1, max_length=64)
    stratum: str | None = Stratum
    count: int | None = Field(None, ge=1, le=MAX_BATCH)
    selection_ids: list[SelectionId] | None = Field(None, min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.count is None) == (self.selection_ids is None):
            raise ValueError("give either count or selection_ids")
        return self


class InvitationOut(BaseModel):
    id: int
    selection_id: int | None
    url: str = Field(description="The single-use link; shown only in this answer")


class InvitationBatch(BaseModel):
    round: str
    unit: str
    stratum: str | None
    count: int
    invitations: list[InvitationOut]


class InvitationCount(BaseModel):
    unit: str
    stratum: str | None
    issued: int
    redeemed: int


class QuotaIn(BaseModel):
    unit: str = Field(min_length=1, max_length=64)
    stratum: str | None = Field(
        None, min_length=1, max_length=64, description="None: every response at the unit"
    )
    target: int = Field(ge=0)
    mode: Literal["hard", "soft"] = Field(
        "hard", description="hard: refuse once full (410); soft: accept, marked over quota"
    )
    exclude_over: bool = Field(
        False, description="soft only: store over-quota responses as 'excluded' from statistics"
    )


class QuotaSet(BaseModel):
    """The round's complete set of quotas (quotas not listed are removed)."""

    quotas: list[QuotaIn] = Field(max_length=10_000)


class QuotaOut(QuotaIn):
    filled: int


class StratumProgress(BaseModel):
    unit: str | None = Field(description="None on the round's total")
    name: str | None
    stratum: str | None = Field(description="None: the whole unit (all its strata)")
    frame_n: int | None = Field(description="Transactions in the period (round unit volume)")
    selected: int = Field(description="Dossiers drawn into the sample")
    invited: int = Field(description="Invitations issued")
    redeemed: int = Field(description="Invitations answered")
    responded: int = Field(description="Responses stored: redeemed invitations + other channels")
    valid: int = Field(description="Responses counted in statistics")
    over_quota: int
    quota_target: int | None
    quota_filled: int | None
    quota_mode: str | None
    response_rate: float | None = Field(description="Percent of invitations answered")


class RoundProgress(BaseModel):
    round: str
    strata: list[StratumProgress]
    total: StratumProgress
