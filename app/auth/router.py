"""Staff sign-in, sign-out and password change (accounts: app/console/users.py)."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth.access import (
    SESSION_COOKIE,
    SignedIn,
    actor_of,
    check_csrf,
    client_address,
    public_access,
)
from app.auth.secrets import new_token
from app.auth.service import change_password, get_user
from app.auth.sessions import end_session, sign_in
from app.deps import SettingsDep, TemplatesDep, WriteSessionDep
from app.errors import AppError, Forbidden
from app.i18n import N_

router = APIRouter(tags=["staff"], include_in_schema=False)
LOGIN_CSRF_COOKIE = "sipas_login_csrf"


def _safe_next(target: str) -> str:
    """Only same-site paths: an open redirect would help phishing."""
    return target if target.startswith("/") and not target.startswith("//") else "/account"


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.get("/login", response_class=HTMLResponse, dependencies=[Depends(public_access)])
async def login_page(
    request: Request, templates: TemplatesDep, settings: SettingsDep, next: str = "/account"
) -> Response:
    """The sign-in form (with a double-submit CSRF token, since there is no session yet)."""
    token = new_token(24)
    context = {"csrf_token": token, "next": _safe_next(next), "login": "", "error": None}
    response = templates.TemplateResponse(request, "login.html", context)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        max_age=3600,
    )
    return response


@router.post("/login", dependencies=[Depends(public_access)])
async def login(
    request: Request, session: WriteSessionDep, settings: SettingsDep, templates: TemplatesDep
) -> Response:
    """Check the password; on success set the session cookie and go where the user was going."""
    fields = await _fields(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, fields.get("csrf_token", "")):
        raise Forbidden(N_("Phiên đăng nhập không hợp lệ. Vui lòng tải lại trang đăng nhập."))
    try:
        created = await sign_in(
            session,
            settings,
            fields.get("login", ""),
            fields.get("password", ""),
            client_address(request),
        )
    except AppError as exc:
        await session.commit()  # keep the recorded failure: it feeds the throttle
        context = {
            "csrf_token": cookie,
            "next": _safe_next(fields.get("next", "/")),
            "login": fields.get("login", ""),
            "error": exc.detail,
        }
        return templates.TemplateResponse(
            request, "login.html", context, status_code=exc.status_code
        )
    target = "/account/password" if created.user.must_change_password else fields.get("next", "")
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        created.token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_absolute_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, principal: SignedIn, session: WriteSessionDep) -> Response:
    """End this session everywhere (it is deleted from the database), then back to sign-in."""
    await check_csrf(request, principal)
    if principal.session_hash:
        await end_session(session, actor_of(request, principal), principal.session_hash)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/account", response_class=HTMLResponse)
async def account(principal: SignedIn) -> Response:
    """Where staff land after signing in: the console, or the password page without a role."""
    return RedirectResponse(
        "/console" if principal.has_any("viewer") else "/account/password", status_code=303
    )


@router.get("/account/password", response_class=HTMLResponse)
async def password_page(request: Request, principal: SignedIn, templates: TemplatesDep) -> Response:
    """The form to change one's own password."""
    context: dict[str, Any] = {"principal": principal, "error": None, "done": False}
    return templates.TemplateResponse(request, "password.html", context)


@router.post("/account/password", response_class=HTMLResponse)
async def password_change(
    request: Request, principal: SignedIn, session: WriteSessionDep, templates: TemplatesDep
) -> Response:
    """Change one's own password; every session of the account ends, including this one."""
    await check_csrf(request, principal)
    fields = await _fields(request)
    user = await get_user(session, principal.id)
    try:
        await change_password(
            session,
            actor_of(request, principal),
            user,
            fields.get("current", ""),
            fields.get("new", ""),
        )
    except AppError as exc:
        context = {"principal": principal, "error": exc.detail, "done": False}
        return templates.TemplateResponse(request, "password.html", context, status_code=400)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
