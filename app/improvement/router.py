"""The improvement API: gaps, key drivers and their chart (plans: plans_router.py).

Figures the background worker has not computed yet answer 202 with ``status`` 'pending'
(app/improvement/cache.py): no request reads the round's answers."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from app.auth.access import ApiReader
from app.deps import CatalogueDep, DatabaseDep, SessionDep
from app.improvement.cache import served_drivers, served_gaps
from app.improvement.chart import ipa_svg
from app.improvement.schemas import DriverReport, GapReport, PendingFigures
from app.reporting.queries import UnitQuery

router = APIRouter(prefix="/api/v1/rounds/{round_code}", tags=["improvement"])
PENDING: dict[int | str, dict[str, Any]] = {
    202: {"model": PendingFigures, "description": "Not computed yet: the worker does it next"}
}


def _answer(found: GapReport | DriverReport | PendingFigures) -> Any:
    if isinstance(found, PendingFigures):
        return JSONResponse(found.model_dump(mode="json"), status_code=202)
    return found


@router.get("/gaps", response_model=GapReport, responses=PENDING)
async def get_gaps(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    db: DatabaseDep,
    principal: ApiReader,
    unit: str | None = UnitQuery,
    lang: Literal["vi", "en"] = "vi",
) -> Any:
    """Where a unit loses points: each criterion's and element's gap to its target, the
    province and the best comparable unit, ranked by the overall points closing it adds
    (as the background worker last computed them: ``freshness``; 202 if not yet)."""
    return _answer(await served_gaps(session, catalogue, round_code, unit, principal, lang, db))


@router.get("/drivers", response_model=DriverReport, responses=PENDING)
async def get_drivers(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    db: DatabaseDep,
    principal: ApiReader,
    unit: str | None = UnitQuery,
    lang: Literal["vi", "en"] = "vi",
) -> Any:
    """Key drivers: each criterion's Shapley share of the design-weighted R² of the overall
    measure in the unit's subtree, with its bootstrap interval, performance and quadrant
    (202 if the worker has not computed them yet)."""
    found = await served_drivers(session, catalogue, round_code, unit, principal, lang, db)
    return _answer(found)


@router.get(
    "/drivers.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **PENDING},
)
async def get_drivers_chart(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    db: DatabaseDep,
    principal: ApiReader,
    unit: str | None = UnitQuery,
    lang: Literal["vi", "en"] = "vi",
) -> Response:
    """The importance–performance chart of the drivers (SVG; 202 JSON if not computed yet)."""
    found = await served_drivers(session, catalogue, round_code, unit, principal, lang, db)
    if isinstance(found, PendingFigures):
        return JSONResponse(found.model_dump(mode="json"), status_code=202)
    return Response(str(ipa_svg(found)), media_type="image/svg+xml")
