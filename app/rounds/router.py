from __future__ import annotations

from fastapi import APIRouter

from app.auth.access import ApiReader
from app.deps import SessionDep
from app.rounds.schemas import RoundOut
from app.rounds.service import rounds_in_scope

router = APIRouter(prefix="/api/v1", tags=["rounds"])


@router.get("/rounds", response_model=list[RoundOut])
async def get_rounds(session: SessionDep, principal: ApiReader) -> list[RoundOut]:
    """Survey rounds covering units in your scope, newest first."""
    return [RoundOut.model_validate(r) for r in await rounds_in_scope(session, principal)]
