from __future__ import annotations

from fastapi import APIRouter, Query

from app.deps import SessionDep
from app.units.schemas import UnitOut
from app.units.service import list_units

router = APIRouter(prefix="/api/v1", tags=["units"])


@router.get("/units", response_model=list[UnitOut])
async def get_units(
    session: SessionDep,
    parent: str | None = Query(None, description="Parent unit code; default: the top units"),
) -> list[UnitOut]:
    """Units directly under ``parent`` (or the top-level units)."""
    return [
        UnitOut(code=u.code, name=u.name, level=u.level, parent=p)
        for u, p in await list_units(session, parent)
    ]
