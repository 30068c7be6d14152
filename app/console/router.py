"""The console: its entry, the overview, and the routers of its pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.auth.access import StaffViewer
from app.console import (
    audit,
    instruments,
    keys,
    posters,
    rounds,
    statistics,
    units,
    users,
    webhooks,
)
from app.console.figures import report_lang
from app.console.overview import round_views
from app.console.service import round_summaries
from app.console.views import render
from app.deps import CatalogueDep, SessionDep, SettingsDep
from app.units.service import load_tree

router = APIRouter(include_in_schema=False)


@router.get("/console")
async def console_home(principal: StaffViewer) -> RedirectResponse:
    """The console starts at the overview."""
    return RedirectResponse("/console/overview", status_code=303)


@router.get("/console/overview", response_class=HTMLResponse)
async def overview(
    request: Request,
    principal: StaffViewer,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """Current rounds in your scope: progress against the plan, the overall index with its
    interval and change, units below target; then every round with its responses."""
    tree = await load_tree(session)
    lang = report_lang(request)
    views = await round_views(session, catalogue, settings, principal, tree, lang)
    summaries = await round_summaries(session, principal, tree)
    return render(request, "console/overview.html", {"views": views, "summaries": summaries})


for module in (units, instruments, rounds, statistics, posters, keys, webhooks, users, audit):
    router.include_router(module.router)
