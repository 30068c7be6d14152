from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from app.audit.service import Actor
from app.auth.access import ApiReader, StaffAdmin, actor_of, check_csrf
from app.deps import CatalogueDep, SessionDep, WriteSessionDep
from app.instruments.service import form_measure
from app.models import Round
from app.rounds.inference import change_inference
from app.rounds.schemas import InferenceIn, RoundOut
from app.rounds.service import round_in_scope, round_unit_id, rounds_in_scope

router = APIRouter(prefix="/api/v1", tags=["rounds"])


@router.get("/rounds", response_model=list[RoundOut])
async def get_rounds(
    session: SessionDep, principal: ApiReader, catalogue: CatalogueDep
) -> list[RoundOut]:
    """Survey rounds covering units in your scope, newest first, each with what it measures."""
    return [
        RoundOut.model_validate(r).model_copy(
            update={"measure": form_measure(catalogue, r.form_code)}
        )
        for r in await rounds_in_scope(session, principal)
    ]


async def _admin_round(
    code: str, request: Request, session: WriteSessionDep, principal: StaffAdmin
) -> tuple[Round, Actor]:
    """Checked before the body is read, so that a refusal is a refusal whatever was sent."""
    await check_csrf(request, principal)
    round_ = await round_in_scope(session, principal, code, "admin")
    return round_, actor_of(request, principal)


@router.put("/rounds/{code}/inference", response_model=RoundOut)
async def put_inference(
    body: InferenceIn,
    session: WriteSessionDep,
    admin: Annotated[tuple[Round, Actor], Depends(_admin_round)],
) -> RoundOut:
    """Set the round's interval method and single-PSU strata option (audited)."""
    round_, actor = admin
    unit_id = await round_unit_id(session, round_)
    await change_inference(
        session,
        actor,
        round_,
        ci=body.ci,
        lonely_psu=body.lonely_psu,
        unit_id=unit_id,
        variance=body.variance,
        replicates=body.replicates,
    )
    return RoundOut.model_validate(round_)
