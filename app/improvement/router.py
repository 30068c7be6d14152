"""The improvement API: gaps, key drivers and their chart (plans: plans_router.py)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response

from app.auth.access import ApiReader
from app.deps import CatalogueDep, SessionDep, SettingsDep
from app.improvement.cache import served_drivers, served_gaps
from app.improvement.chart import ipa_svg
from app.improvement.schemas import DriverReport, GapReport
from app.reporting.queries import UnitQuery

router = APIRouter(prefix="/api/v1/rounds/{round_code}", tags=["improvement"])


@router.get("/gaps", response_model=GapReport)
async def get_gaps(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    unit: str | None = UnitQuery,
    lang: Literal["vi", "en"] = "vi",
) -> GapReport:
    """Where a unit loses points: each criterion's and element's gap to its target, the
    province and the best comparable unit, ranked by the overall points closing it adds
    (as the background worker last computed them: ``freshness``)."""
    return await served_gaps(session, catalogue, round_code, unit, principal, lang, settings)


@router.get("/drivers", response_model=DriverReport)
async def get_drivers(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    unit: str | None = UnitQuery,
    lang: Literal["vi", "en"] = "vi",
) -> DriverReport:
    """Key drivers: each criterion's Shapley share of the design-weighted R² of the overall
    measure in the unit's subtree, with its performance and quadrant."""
    return await served_drivers(session, catalogue, round_code, unit, principal, lang, settings)


@router.get("/drivers.svg", response_class=Response)
async def get_drivers_chart(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    unit: str | None = UnitQuery,
    lang: Literal["vi", "en"] = "vi",
) -> Response:
    """The importance–performance chart of the drivers (SVG)."""
    report = await served_drivers(session, catalogue, round_code, unit, principal, lang, settings)
    return Response(str(ipa_svg(report)), media_type="image/svg+xml")
