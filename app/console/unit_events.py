"""Console: reorganisation events (merges, splits, transfers, renames, moves, dissolutions)
touching the admin's units, latest effective first, each revertible until a published round
uses it (app/units/events.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import StaffAdmin, actor_of, check_csrf
from app.auth.principal import Principal
from app.console.views import render
from app.deps import SessionDep, WriteSessionDep
from app.errors import AppError
from app.i18n import N_
from app.payload import RowId
from app.units.events import events_in_scope, revert_event

router = APIRouter(include_in_schema=False)  # under /console/units (units.py includes it)
KINDS = {
    "merge": N_("Sáp nhập"),
    "split": N_("Chia tách"),
    "transfer": N_("Điều chuyển một phần"),
    "rename": N_("Đổi tên"),
    "relevel": N_("Đổi cấp"),
    "move": N_("Chuyển cấp trên"),
    "dissolve": N_("Giải thể"),
    "edit": N_("Sửa thông tin đơn vị"),
}


async def _page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "events": await events_in_scope(session, principal, 500),
        "kinds": KINDS,
        "error": error,
        "reverted": request.query_params.get("reverted"),
        "crosswalk": request.query_params.get("crosswalk") == "1",
    }
    return render(request, "console/unit_events.html", context, status)


@router.get("/events", response_class=HTMLResponse)
async def events_page(request: Request, principal: StaffAdmin, session: SessionDep) -> HTMLResponse:
    """The reorganisation events of your units."""
    return await _page(request, session, principal)


@router.post("/events/{event_id}/revert", response_class=HTMLResponse)
async def revert_page(
    request: Request, event_id: RowId, principal: StaffAdmin, session: WriteSessionDep
) -> Response:
    """Revert an event; refused (the page with the reason) once a published round uses it."""
    await check_csrf(request, principal)
    try:
        await revert_event(session, actor_of(request, principal), event_id, principal)
    except AppError as exc:  # refused before anything is written
        if exc.status_code == 403:
            raise
        return await _page(request, session, principal, exc.detail, exc.status_code)
    return RedirectResponse(f"/console/units/events?reverted={event_id}", status_code=303)
