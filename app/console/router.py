"""The console: its entry, the overview, and the routers of its pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.auth.access import StaffViewer
from app.console import audit, instruments, keys, posters, rounds, units
from app.console.service import round_summaries
from app.console.views import render
from app.deps import SessionDep
from app.units.service import load_tree

router = APIRouter(include_in_schema=False)


@router.get("/console")
async def console_home(principal: StaffViewer) -> RedirectResponse:
    """The console starts at the overview."""
    return RedirectResponse("/console/overview", status_code=303)


@router.get("/console/overview", response_class=HTMLResponse)
async def overview(request: Request, principal: StaffViewer, session: SessionDep) -> HTMLResponse:
    """Rounds in your scope with their responses so far (the statistics overview comes later)."""
    summaries = await round_summaries(session, principal, await load_tree(session))
    return render(request, "console/overview.html", {"summaries": summaries})


for module in (units, instruments, rounds, posters, keys, audit):
    router.include_router(module.router)
