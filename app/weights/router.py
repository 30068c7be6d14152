from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.auth.access import ApiReader, StaffAdmin, actor_of, check_csrf
from app.deps import CatalogueDep, SessionDep, WriteSessionDep
from app.models import Round, WeightSet
from app.payload import RowId
from app.rounds.service import round_in_scope
from app.weights.schemas import ComputeRequest, ComputeResult, WeightSetDetail, WeightSetOut
from app.weights.service import (
    activate_weight_set,
    compute_weight_set,
    coverage,
    get_weight_set,
    list_weight_sets,
)

router = APIRouter(prefix="/api/v1/rounds/{round_code}/weight-sets", tags=["weights"])


@dataclass(frozen=True)
class RoundAdmin:
    round: Round
    actor: Actor


async def _round_admin(
    round_code: str, request: Request, session: WriteSessionDep, principal: StaffAdmin
) -> RoundAdmin:
    """Checked before the body is read, so that a refusal is a refusal whatever was sent."""
    await check_csrf(request, principal)
    round_ = await round_in_scope(session, principal, round_code, "admin")
    return RoundAdmin(round_, actor_of(request, principal))


AdminOfRound = Annotated[RoundAdmin, Depends(_round_admin)]


async def _detail(session: AsyncSession, found: WeightSet) -> WeightSetDetail:
    described = WeightSetDetail.model_validate(found, from_attributes=True)
    described.coverage = await coverage(session, found)
    return described


@router.post("", response_model=ComputeResult)
async def compute(
    body: ComputeRequest,
    response: Response,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
    admin: AdminOfRound,
) -> ComputeResult:
    """Compute a weight set (201), or return the existing one for the same inputs and data."""
    instrument = catalogue.get(admin.round.form_code).instrument
    found, created = await compute_weight_set(session, admin.actor, admin.round, instrument, body)
    response.status_code = 201 if created else 200
    detail = await _detail(session, found)
    return ComputeResult(**detail.model_dump(), created=created)


@router.get("", response_model=list[WeightSetOut])
async def list_sets(
    round_code: str, session: SessionDep, principal: ApiReader
) -> list[WeightSetOut]:
    """The round's weight sets, newest first."""
    round_ = await round_in_scope(session, principal, round_code, "viewer")
    return [WeightSetOut.model_validate(s) for s in await list_weight_sets(session, round_)]


@router.get("/{weight_set_id}", response_model=WeightSetDetail)
async def get_set(
    round_code: str, weight_set_id: RowId, session: SessionDep, principal: ApiReader
) -> WeightSetDetail:
    """A weight set: its inputs, summary (range, Kish design effect) and coverage."""
    round_ = await round_in_scope(session, principal, round_code, "viewer")
    return await _detail(session, await get_weight_set(session, round_, weight_set_id))


@router.post("/{weight_set_id}/activate", response_model=WeightSetDetail)
async def activate(
    weight_set_id: RowId, session: WriteSessionDep, admin: AdminOfRound
) -> WeightSetDetail:
    """Make this set the round's weights (the round's weighting becomes 'raked')."""
    found = await activate_weight_set(session, admin.actor, admin.round, weight_set_id)
    return await _detail(session, found)
