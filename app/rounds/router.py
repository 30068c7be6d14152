from __future__ import annotations

from fastapi import APIRouter

from app.auth.access import ApiReader
from app.deps import CatalogueDep, SessionDep
from app.forms.service import form_measure
from app.rounds.schemas import RoundOut
from app.rounds.service import rounds_in_scope

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
