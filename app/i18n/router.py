"""The language switch: remembers the choice in a cookie, then goes back to the page."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse

from app.auth.access import public_access
from app.deps import SettingsDep
from app.errors import NotFound
from app.i18n import LANG_COOKIE, LANGS

router = APIRouter(include_in_schema=False, dependencies=[Depends(public_access)])
ONE_YEAR = 365 * 24 * 3600


@router.get("/lang/{code}")
async def switch_language(code: str, settings: SettingsDep, next: str = "/") -> RedirectResponse:
    """Show the staff pages in ``code`` from now on (staff pages; citizens use ``?lang=``)."""
    if code not in LANGS:
        raise NotFound(f"unknown language {code!r}")
    target = next if next.startswith("/") and not next.startswith(("//", "/\\")) else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response
