"""Console page of a round's score bands and its units' targets. app.reporting.targets does
the work, as the API's PUT /bands and /targets do; reports then give each index its band and
each unit its target status (met, not met, or not determinable when the CI straddles it), and
the overview lists the units below target."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.auth.access import StaffViewer
from app.auth.principal import Principal
from app.console.forms import Form
from app.console.round_pages import RoundChangeDep, RoundView, Step
from app.console.views import done
from app.deps import CatalogueDep, SessionDep, WriteSessionDep
from app.forms.registry import Catalogue
from app.i18n import N_
from app.models import Round
from app.reporting.comparisons import round_bands, round_targets
from app.reporting.snapshots import reported_units
from app.reporting.targets import set_bands, set_targets
from app.statistics.comparisons import Band, check_bands
from app.units.service import UnitNode

router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)
BAND_ROWS = 5
LABEL_MAX = 32
MSG_PERCENT = N_("Chỉ tiêu là tỷ lệ phần trăm, từ 0 đến 100.")
MSG_BANDS = N_(
    "Các mức xếp loại chưa hợp lệ: nhãn khác nhau, ngưỡng là tỷ lệ phần trăm giảm dần từ mức "
    "tốt nhất, và chỉ mức cuối cùng để trống ngưỡng (mức đó nhận mọi chỉ số còn lại)."
)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


async def _context(session: AsyncSession, view: RoundView) -> dict[str, Any]:
    units = reported_units(view.tree, view.covered)
    targets = await round_targets(session, view.round.id)
    values = {f"t-{u.code}": _number(targets.get(u.id)) for u in units}
    for i, band in enumerate(round_bands(view.round)):
        values[f"band-{i}"], values[f"min-{i}"] = band.label, _number(band.min)
    return {"units": units, "values": values, "band_rows": range(BAND_ROWS)}


TARGETS = Step("console/round_targets.html", "targets", _context)


@router.get("/targets", response_class=HTMLResponse)
async def targets_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """The round's score bands and each reported unit's target."""
    return await TARGETS.page(request, session, principal, round_code)


def read_bands(form: Form) -> list[Band]:
    """The filled band rows, best first; a row with a threshold but no label is an error."""
    bands = []
    for i in range(BAND_ROWS):
        label = form.text(f"band-{i}", LABEL_MAX, required=False)
        minimum = form.decimal(f"min-{i}")
        if label:
            bands.append(Band(label, minimum))
        elif minimum is not None:
            form.fail(f"band-{i}", N_("Vui lòng điền mục này."))
    if bands and check_bands(bands):
        form.fail("band-0", MSG_BANDS)
    return bands


def read_targets(form: Form, units: list[UnitNode], points: bool) -> list[tuple[str, float | None]]:
    """Each unit's target (None: none); percentages unless the instrument scores points."""
    targets = []
    for unit in units:
        value = form.decimal(f"t-{unit.code}")
        if value is not None and not points and value > 100:
            form.fail(f"t-{unit.code}", MSG_PERCENT)
        targets.append((unit.code, value))
    return targets


async def _save(
    session: AsyncSession,
    actor: Actor,
    catalogue: Catalogue,
    round_: Round,
    bands: list[Band],
    targets: list[tuple[str, float | None]],
    principal: Principal,
) -> None:
    await set_bands(session, actor, round_, bands)
    await set_targets(session, actor, catalogue, round_, targets, principal)


@router.post("/targets", response_class=HTMLResponse)
async def targets_save(
    request: Request,
    round_code: str,
    changing: RoundChangeDep,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
) -> Response:
    """Replace the round's bands and set or clear each unit's target (audited)."""
    change, principal = changing
    round_ = change.scope.round
    form = await Form.read(request)
    units = reported_units(change.scope.tree, change.scope.covered)
    points = catalogue.get(round_.form_code).instrument.aggregation.is_points
    bands, targets = read_bands(form), read_targets(form, units, points)
    call = None
    if form.ok:
        call = _save(session, change.actor, catalogue, round_, bands, targets, principal)
    url = f"/console/rounds/{quote(round_code)}/targets"
    return await TARGETS.submit(
        request, session, principal, round_code, form, call, lambda _: done(url, "targets-saved")
    )
