"""Console pages of a round's weights: compute a weight set (base, nonresponse,
post-stratification or raking, as the weights API offers), inspect its summary (range, mean,
Kish design effect and effective n per stratum; coverage of today's responses), activate it.
app.weights.service does the work, as in the API and the CLI."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import StaffViewer
from app.console.forms import Form
from app.console.round_pages import RoundChangeDep, RoundView, Step, round_view, show
from app.console.views import done
from app.console.weight_forms import DEFAULTS, METHODS, TRIM_SCALES, read_weighting
from app.deps import CatalogueDep, SessionDep, WriteSessionDep
from app.models import WeightSet
from app.payload import RowId
from app.weights.service import (
    activate_weight_set,
    compute_weight_set,
    coverage,
    get_weight_set,
    list_weight_sets,
)

router = APIRouter(prefix="/console/rounds/{round_code}/weights", include_in_schema=False)
CHOICES = {"methods": METHODS, "trim_scales": TRIM_SCALES}


async def _context(session: AsyncSession, view: RoundView) -> dict[str, Any]:
    return {"sets": await list_weight_sets(session, view.round), "values": DEFAULTS, **CHOICES}


WEIGHTS = Step("console/round_weights.html", "weights", _context)


@router.get("", response_class=HTMLResponse)
async def weights_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """The round's weight sets, newest first, and the form that computes one."""
    return await WEIGHTS.page(request, session, principal, round_code)


@router.post("", response_class=HTMLResponse)
async def weights_compute(
    request: Request,
    round_code: str,
    changing: RoundChangeDep,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
) -> Response:
    """Compute a weight set (or find the same inputs over the same responses); audited."""
    change, principal = changing
    form, round_ = await Form.read(request), change.scope.round
    asked = read_weighting(form)
    instrument = catalogue.get(round_.form_code).instrument
    call = None
    if asked is not None:
        call = compute_weight_set(session, change.actor, round_, instrument, asked)

    def shown(computed: tuple[WeightSet, bool]) -> Response:
        url = f"/console/rounds/{quote(round_code)}/weights/{computed[0].id}"
        return done(url, "weights-computed" if computed[1] else "weights-unchanged")

    return await WEIGHTS.submit(request, session, principal, round_code, form, call, shown)


@router.get("/{weight_set_id}", response_class=HTMLResponse)
async def weight_set_page(
    request: Request,
    round_code: str,
    weight_set_id: RowId,
    principal: StaffViewer,
    session: SessionDep,
) -> HTMLResponse:
    """A weight set: inputs, summary per stratum, coverage of today's responses."""
    view = await round_view(session, principal, round_code)
    found = await get_weight_set(session, view.round, weight_set_id)
    context = {"ws": found, "coverage": await coverage(session, found), **CHOICES}
    return show(request, "console/round_weight_set.html", view, "weights", context)


@router.post("/{weight_set_id}/activate")
async def weight_set_activate(
    round_code: str, weight_set_id: RowId, changing: RoundChangeDep, session: WriteSessionDep
) -> Response:
    """Make this set the round's weights (its weighting becomes 'raked'); audited."""
    change, _ = changing
    await activate_weight_set(session, change.actor, change.scope.round, weight_set_id)
    url = f"/console/rounds/{quote(round_code)}/weights/{weight_set_id}"
    return done(url, "weights-activated")
