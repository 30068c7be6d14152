from __future__ import annotations

from fastapi import APIRouter

from app.auth.access import ApiReader
from app.deps import CatalogueDep, SessionDep, SettingsDep
from app.reporting.queries import AsOfQuery, UnitQuery
from app.reporting.trends import TrendReport, unit_trend

router = APIRouter(prefix="/api/v1", tags=["reporting"])


@router.get("/rounds/{round_code}/trend", response_model=TrendReport)
async def get_trend(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    unit: str | None = UnitQuery,
    as_of: str | None = AsOfQuery,
) -> TrendReport:
    """A unit's overall index through this round and the earlier rounds of its instrument,
    over its lineage in this round's hierarchy (merges pooled), each under its own design,
    marked where the unit's boundary differed (``boundary``)."""
    return await unit_trend(session, catalogue, round_code, unit, principal, settings, as_of)
