from __future__ import annotations

from fastapi import APIRouter

from app.deps import SessionDep
from app.rounds.schemas import RoundOut
from app.rounds.service import list_rounds

router = APIRouter(prefix="/api/v1", tags=["rounds"])


@router.get("/rounds", response_model=list[RoundOut])
async def get_rounds(session: SessionDep) -> list[RoundOut]:
    """Survey rounds, newest first."""
    return [RoundOut.model_validate(r) for r in await list_rounds(session)]
