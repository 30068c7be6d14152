"""Console pages of a round's sample: the plan (method, rule, allocation, bounds, small strata;
a size per stratum) and the draws from the list frame (seed shown, selected per stratum). The
arithmetic and the draw are app.sampling's (plans, draws), as in the API and the CLI."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import StaffViewer
from app.console.forms import Form
from app.console.round_pages import RoundChangeDep, RoundView, attempt, round_view, show
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
from app.deps import CatalogueDep, SessionDep, WriteSessionDep
from app.errors import AppError, NotFound
from app.sampling.draws import create_draw, draw_summary, list_draws
from app.sampling.plans import compute_plan, current_plan, plan_out
from app.sampling.schemas import PlanOut

router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)
CHOICES = {"methods": METHODS, "rules": RULES, "allocations": ALLOCATIONS}
CHOICES |= {"small_rules": SMALL_RULES, "sources": SOURCES, "draw_methods": DRAW_METHODS}


async def _plan(session: AsyncSession, view: RoundView) -> PlanOut | None:
    try:
        plan, strata = await current_plan(session, view.round)
    except NotFound:
        return None
    return plan_out(view.round, plan, strata, view.tree)


async def _plan_page(
    request: Request,
    session: AsyncSession,
    view: RoundView,
    form: Form | None = None,
    failure: AppError | None = None,
) -> HTMLResponse:
    plan = await _plan(session, view)
    context = {"plan": plan, "values": plan_values(plan), **CHOICES}
    return show(request, "console/round_plan.html", view, "plan", context, form, failure)


@router.get("/plan", response_class=HTMLResponse)
async def plan_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """The round's current sample plan per stratum, and the form that computes a new one."""
    return await _plan_page(request, session, await round_view(session, principal, round_code))


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
    failure = None
    if params is not None:
        call = compute_plan(session, catalogue, change.actor, change.scope, params)
        computed = await attempt(session, call)
        if not isinstance(computed, AppError):
            return done(f"/console/rounds/{quote(round_code)}/plan", "plan-computed")
        failure = computed
    view = await round_view(session, principal, round_code)
    return await _plan_page(request, session, view, form, failure)


async def _draws_page(
    request: Request,
    session: AsyncSession,
    view: RoundView,
    form: Form | None = None,
    failure: AppError | None = None,
) -> HTMLResponse:
    context = {
        "plan": await _plan(session, view),
        "draws": await list_draws(session, view.round),
        "values": {"method": "srs"},
        **CHOICES,
    }
    return show(request, "console/round_draws.html", view, "draws", context, form, failure)


@router.get("/draws", response_class=HTMLResponse)
async def draws_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """The round's draws (seed, method, plan version, selected) and the form to draw."""
    return await _draws_page(request, session, await round_view(session, principal, round_code))


@router.post("/draws", response_class=HTMLResponse)
async def draw_create(
    request: Request, round_code: str, changing: RoundChangeDep, session: WriteSessionDep
) -> Response:
    """Draw the current plan's sample from the list frame with a seed (random if none given)."""
    change, principal = changing
    form = await Form.read(request)
    choice = read_draw(form)
    failure = None
    if choice is not None:
        call = create_draw(session, change.actor, change.scope, choice.seed, choice.method)
        drawn = await attempt(session, call)
        if not isinstance(drawn, AppError):
            url = f"/console/rounds/{quote(round_code)}/draws/{drawn.id}"
            return done(url, "draw-created")
        failure = drawn
    view = await round_view(session, principal, round_code)
    return await _draws_page(request, session, view, form, failure)


@router.get("/draws/{draw_id}", response_class=HTMLResponse)
async def draw_page(
    request: Request, round_code: str, draw_id: int, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """One draw: its seed, method and plan, and the dossiers selected per stratum."""
    view = await round_view(session, principal, round_code)
    draw, selected = await draw_summary(session, view.round, draw_id)
    context = {"draw": draw, "selected": selected, **CHOICES}
    return show(request, "console/round_draw.html", view, "draws", context)
