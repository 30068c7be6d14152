"""Route classification and authorisation.

Every route is public, staff (with the role it needs) or API (read-only; an API key or a
signed-in user). A route says which by depending on ``public_access``, ``staff(role)`` or
``api_reader``; create_app() refuses to start if any route says nothing (see
``unclassified_routes``). Unit scope is checked where the unit is known, with ``require``.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute

from app.audit.service import Actor
from app.auth.keys import resolve_key, touch_key
from app.auth.principal import FEEDER, Principal, Role
from app.auth.secrets import keyed_hash
from app.auth.sessions import resolve_session, touch_session
from app.config import Settings
from app.db import Database
from app.errors import Forbidden, NotAuthenticated, PasswordChangeRequired
from app.i18n import N_
from app.units.service import UnitTree

SESSION_COOKIE = "sipas_session"
ACCESS_ATTR = "__sipas_access__"
F = TypeVar("F", bound=Callable[..., Any])
# Framework routes that serve no data: the API description and static assets.
FRAMEWORK_PUBLIC = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static"}


@dataclass(frozen=True)
class AccessRule:
    kind: Literal["public", "staff", "api"]
    role: Role | Literal["feeder"] | None = None


def _classify(rule: AccessRule) -> Callable[[Any], Any]:
    def mark(fn: Any) -> Any:
        setattr(fn, ACCESS_ATTR, rule)
        return fn

    return mark


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def actor_of(request: Request, principal: Principal) -> Actor:
    settings: Settings = request.app.state.settings
    user_id = principal.id if principal.kind == "user" else None
    return Actor(principal.label, user_id, keyed_hash(settings.secret_key, client_address(request)))


async def authenticate(request: Request, allow_keys: bool) -> Principal | None:
    """A bearer API key (when allowed) or the session cookie; None when neither."""
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    header = request.headers.get("authorization", "")
    async with db.sessions() as session:
        if header.lower().startswith("bearer "):
            resolved = await resolve_key(session, header[7:].strip()) if allow_keys else None
            if resolved is None:
                raise NotAuthenticated("API key is missing, invalid, expired or revoked")
        else:
            token = request.cookies.get(SESSION_COOKIE)
            resolved = await resolve_session(session, settings, token) if token else None
    if resolved is None:
        return None
    principal, due = resolved
    if due:
        async with db.write_sessions.begin() as session:
            if principal.session_hash:
                await touch_session(session, principal.session_hash)
            else:
                await touch_key(session, principal.id)
    return principal


@_classify(AccessRule("public"))
async def public_access() -> None:
    """Anyone, signed in or not: the citizens' pages and probes."""


def public_endpoint(endpoint: F) -> F:
    """Marks a plain Starlette endpoint (no FastAPI dependencies: a hot path) as public."""
    return _classify(AccessRule("public"))(endpoint)  # type: ignore[no-any-return]


def staff(
    role: Role | None, allow_unchanged_password: bool = False
) -> Callable[..., Awaitable[Principal]]:
    """A signed-in user holding ``role`` (or higher) on at least one unit; any user if None."""

    @_classify(AccessRule("staff", role))
    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request, allow_keys=False)
        if principal is None:
            raise NotAuthenticated(N_("Vui lòng đăng nhập."))
        if principal.must_change_password and not allow_unchanged_password:
            raise PasswordChangeRequired(N_("Vui lòng đổi mật khẩu tạm trước khi tiếp tục."))
        if role is not None and not principal.has_any(role):
            raise Forbidden(N_("Tài khoản không có quyền này."))
        request.state.principal = principal  # for the page layout (user, navigation)
        return principal

    return dependency  # type: ignore[no-any-return]


@_classify(AccessRule("api", "viewer"))
async def api_reader(request: Request) -> Principal:
    """An API key, or a signed-in user with at least viewer rights somewhere."""
    principal = await authenticate(request, allow_keys=True)
    if principal is None:
        raise NotAuthenticated("send Authorization: Bearer <API key>, or sign in")
    if principal.must_change_password:
        raise PasswordChangeRequired("change your temporary password first")
    if not principal.has_any("viewer"):
        raise Forbidden("no role grants read access")
    return principal


@_classify(AccessRule("api", "feeder"))
async def api_feeder(request: Request) -> Principal:
    """An API key with the feeder permission (the one-stop system); scope is checked per
    event, against the key's unit subtree."""
    principal = await authenticate(request, allow_keys=True)
    if principal is None:
        raise NotAuthenticated("send Authorization: Bearer <feeder API key>")
    if not any(role == FEEDER for role, _ in principal.grants):
        raise Forbidden("this key (or account) has no feeder permission")
    return principal


def require(principal: Principal, role: Role, unit_id: int, tree: UnitTree) -> None:
    """Refuse (403) unless ``principal`` holds ``role`` on ``unit_id`` or an ancestor."""
    if not principal.can(role, unit_id, tree):  # unnamed: the unit may be another's secret
        raise Forbidden("the unit is outside your scope")


async def check_csrf(request: Request, principal: Principal) -> None:
    """State-changing staff requests carry the session's CSRF token (form field or header)."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get("csrf_token")
        sent = value if isinstance(value, str) else None
    expected = principal.csrf_token
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden(N_("Phiên làm việc không hợp lệ (CSRF). Vui lòng tải lại trang."))


def _effective_routes(app: FastAPI) -> list[Any]:
    """Every route as served, with the dependencies of the routers that include it."""
    try:  # FastAPI >= 0.160 includes routers lazily
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI: routes are already flat
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def route_access(route: Any) -> AccessRule | None:
    """The classification a route declares through its dependencies."""
    original = getattr(route, "original_route", route)
    if not isinstance(original, APIRoute):  # a plain Starlette route says it on its endpoint
        rule = getattr(getattr(original, "endpoint", None), ACCESS_ATTR, None)
        if rule is not None:
            return rule  # type: ignore[no-any-return]
        path = getattr(route, "path", "")
        return AccessRule("public") if path in FRAMEWORK_PUBLIC else None
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        rule = getattr(dependant.call, ACCESS_ATTR, None)
        if rule is not None:
            return rule  # type: ignore[no-any-return]
        stack.extend(dependant.dependencies)
    return None


def classified_routes(app: FastAPI) -> list[tuple[str, frozenset[str], AccessRule | None]]:
    """(path, methods, classification) of every route the app serves."""
    return [
        (str(getattr(r, "path", "")), frozenset(getattr(r, "methods", None) or ()), route_access(r))
        for r in _effective_routes(app)
    ]


def unclassified_routes(app: FastAPI) -> list[str]:
    return [f"{sorted(m)} {p}" for p, m, rule in classified_routes(app) if rule is None]


StaffAdmin = Annotated[Principal, Depends(staff("admin"))]
StaffManager = Annotated[Principal, Depends(staff("manager"))]
StaffViewer = Annotated[Principal, Depends(staff("viewer"))]
SignedIn = Annotated[Principal, Depends(staff(None, allow_unchanged_password=True))]
ApiReader = Annotated[Principal, Depends(api_reader)]
ApiFeeder = Annotated[Principal, Depends(api_feeder)]


async def _admin_writing(request: Request, principal: StaffAdmin) -> Principal:
    """An admin whose request carries the session's CSRF token, checked as a dependency: a
    refusal (403) comes before the body is validated (422)."""
    await check_csrf(request, principal)
    return principal


StaffAdminWrite = Annotated[Principal, Depends(_admin_writing)]


async def _manager_writing(request: Request, principal: StaffManager) -> Principal:
    """A manager whose request carries the session's CSRF token (checked before the body)."""
    await check_csrf(request, principal)
    return principal


StaffManagerWrite = Annotated[Principal, Depends(_manager_writing)]
