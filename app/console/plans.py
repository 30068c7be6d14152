"""Console pages of a round's sample: the plan (method, rule, allocation, bounds, small strata;
a size per stratum) and the draws from the list frame (seed shown, selected per stratum). The
arithmetic and the draw are app.sampling's (plans, draws), as in the API and the CLI."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import StaffViewer
from app.auth.principal import Principal
from app.config import Settings
from app.console.forms import Form
from app.console.round_pages import (
    RoundChangeDep,
    RoundView,
    Step,
    attempt,
    round_view,
    show,
)
from app.console.sampling_forms import (
    ALLOCATIONS,
    DRAW_METHODS,
    METHODS,
    RULES,
    SMALL_RULES,
    SOURCES,
    plan_values,
    read_draw,
    read_plan,
)
from app.console.views import done
from app.deps import CatalogueDep, SessionDep, SettingsDep, WriteSessionDep
from app.errors import AppError, NotFound
from app.i18n import N_
from app.messages.batches import list_batches, request_batch
from app.messages.gateways import gateway_for
from app.payload import RowId
from app.sampling.draws import create_draw, draw_summary, list_draws
from app.sampling.plans import compute_plan, current_plan, plan_out
from app.sampling.schemas import DrawOut, PlanOut

router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)
CHANNELS = ("zalo", "sms", "email")
CHOICES = {"methods": METHODS, "rules": RULES, "allocations": ALLOCATIONS}
CHOICES |= {"small_rules": SMALL_RULES, "sources": SOURCES, "draw_methods": DRAW_METHODS}


async def _plan(session: AsyncSession, view: RoundView) -> PlanOut | None:
    try:
        plan, strata = await current_plan(session, view.round)
    except NotFound:
        return None
    return plan_out(view.round, plan, strata, view.tree)


async def _plan_context(session: AsyncSession, view: RoundView) -> dict[str, Any]:
    plan = await _plan(session, view)
    return {"plan": plan, "values": plan_values(plan), **CHOICES}


async def _draws_context(session: AsyncSession, view: RoundView) -> dict[str, Any]:
    return {
        "plan": await _plan(session, view),
        "draws": await list_draws(session, view.round),
        "values": {"method": "srs"},
        **CHOICES,
    }


PLAN = Step("console/round_plan.html", "plan", _plan_context)
DRAWS = Step("console/round_draws.html", "draws", _draws_context)


@router.get("/plan", response_class=HTMLResponse)
async def plan_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """The round's current sample plan per stratum, and the form that computes a new one."""
    return await PLAN.page(request, session, principal, round_code)


@router.post("/plan", response_class=HTMLResponse)
async def plan_compute(
    request: Request,
    round_code: str,
    changing: RoundChangeDep,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
) -> Response:
    """Compute the plan from the frame and store it as the next version (audited)."""
    change, principal = changing
    form = await Form.read(request)
    params = read_plan(form)
    scope = change.scope
    call = compute_plan(session, catalogue, change.actor, scope, params) if params else None
    url = f"/console/rounds/{quote(round_code)}/plan"
    return await PLAN.submit(
        request, session, principal, round_code, form, call, lambda _: done(url, "plan-computed")
    )


@router.get("/draws", response_class=HTMLResponse)
async def draws_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """The round's draws (seed, method, plan version, selected) and the form to draw."""
    return await DRAWS.page(request, session, principal, round_code)


@router.post("/draws", response_class=HTMLResponse)
async def draw_create(
    request: Request, round_code: str, changing: RoundChangeDep, session: WriteSessionDep
) -> Response:
    """Draw the current plan's sample from the list frame with a seed (random if none given)."""
    change, principal = changing
    form = await Form.read(request)
    choice = read_draw(form)
    call = None
    if choice is not None:
        call = create_draw(session, change.actor, change.scope, choice.seed, choice.method)

    def shown(drawn: DrawOut) -> Response:
        return done(f"/console/rounds/{quote(round_code)}/draws/{drawn.id}", "draw-created")

    return await DRAWS.submit(request, session, principal, round_code, form, call, shown)


async def _draw_page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    where: tuple[str, int],
    form: Form | None = None,
    failure: AppError | None = None,
) -> HTMLResponse:
    view = await round_view(session, principal, where[0])
    draw, selected = await draw_summary(session, view.round, where[1])
    context = {"draw": draw, "selected": selected, **CHOICES}
    context["batches"] = await list_batches(session, view.round, draw.id)
    context["gateways"] = [c for c in CHANNELS if gateway_for(settings, c) is not None]
    return show(request, "console/round_draw.html", view, "draws", context, form, failure)


@router.get("/draws/{draw_id}", response_class=HTMLResponse)
async def draw_page(
    request: Request,
    round_code: str,
    draw_id: RowId,
    principal: StaffViewer,
    session: SessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """One draw: its seed, method and plan, the dossiers selected per stratum, and its batches
    of invitations sent by SMS, Zalo or e-mail."""
    return await _draw_page(request, session, principal, settings, (round_code, draw_id))


@router.post("/draws/{draw_id}/invitations", response_class=HTMLResponse)
async def draw_invite(
    request: Request,
    round_code: str,
    draw_id: RowId,
    changing: RoundChangeDep,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """Send invitations to the draw's dossiers (the channels ticked, in the order shown); the
    background worker issues and sends them (app/messages/batches.py)."""
    change, principal = changing
    form = await Form.read(request)
    channels = [c for c in CHANNELS if c in form.getlist("channels")]
    if not channels:
        form.fail("channels", N_("Chọn ít nhất một kênh gửi."))
    else:
        scope = change.scope
        call = request_batch(
            session, settings, change.actor, scope.round, scope.anchor, draw_id, channels
        )
        result = await attempt(session, call)
        if not isinstance(result, AppError):
            worker = getattr(request.app.state, "worker", None)
            if worker is not None:
                worker.wake("messages.batches")
            url = f"/console/rounds/{quote(round_code)}/draws/{draw_id}"
            return done(url, "invitations-requested")
        return await _draw_page(
            request, session, principal, settings, (round_code, draw_id), form, result
        )
    return await _draw_page(request, session, principal, settings, (round_code, draw_id), form)
