"""The citizen's opt-out page (Vietnamese; English with ?lang=en): ask, then confirm."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.auth.access import public_access
from app.deps import SettingsDep, WriteSessionDep
from app.messages.optout import PATH, contact_of, opt_out

router = APIRouter(include_in_schema=False, dependencies=[Depends(public_access)])
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


def _page(request: Request, token: str, state: str) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    status = 404 if state == "unknown" else 200
    context = {"token": token, "state": state, "action": f"{PATH}/{token}"}
    return templates.TemplateResponse(
        request, "optout.html", context, status_code=status, headers=HEADERS
    )


@router.get(PATH + "/{token}", response_class=HTMLResponse)
async def optout_page(request: Request, token: str, settings: SettingsDep) -> HTMLResponse:
    """Asks whether the citizen wants no more invitations (changes nothing)."""
    known = contact_of(settings.secret_key, token) is not None
    return _page(request, token, "ask" if known else "unknown")


@router.post(PATH + "/{token}", response_class=HTMLResponse)
async def optout_confirm(
    request: Request, token: str, settings: SettingsDep, session: WriteSessionDep
) -> HTMLResponse:
    """Records the opt-out: no further invitation or reminder goes to that contact."""
    hashed = contact_of(settings.secret_key, token)
    if hashed is None:
        return _page(request, token, "unknown")
    await opt_out(session, hashed)
    return _page(request, token, "done")
