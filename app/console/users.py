"""Console pages: staff accounts in your admin scope — create, grant and revoke roles on units,
reset a password, deactivate and reactivate — with the services `sipas users ...` uses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import StaffAdmin, actor_of, check_csrf, require
from app.auth.principal import ROLE_RANK, Principal
from app.auth.secrets import new_token
from app.auth.service import (
    create_user,
    get_user,
    grant_role,
    grants_with_units,
    reset_password,
    revoke_role,
    set_active,
)
from app.auth.users_view import users_in_scope
from app.console.forms import Form
from app.console.service import unit_options, units_with_role
from app.console.views import ROLE_LABELS, done, render
from app.deps import SessionDep, WriteSessionDep
from app.errors import AppError, Conflict, Forbidden
from app.i18n import N_
from app.models import Unit, User
from app.payload import RowId
from app.units.service import UnitTree, load_tree

router = APIRouter(prefix="/admin/users", include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}
MSG_EMAIL = N_("Vui lòng nhập một địa chỉ email hợp lệ.")
MSG_TAKEN = N_("Đã có tài khoản dùng email hoặc tên đăng nhập này.")
MSG_OUTSIDE = N_("Tài khoản này không thuộc phạm vi quản trị của bạn.")
MSG_WIDER = N_(
    "Tài khoản này có quyền ở đơn vị ngoài phạm vi của bạn: "
    "chỉ quản trị viên cấp trên mới làm được việc này."
)
MSG_SELF = N_("Bạn không thể tự khóa tài khoản của mình.")


def _choices(tree: UnitTree, principal: Principal) -> dict[str, Any]:
    """The role and unit pickers: the units you administer."""
    return {
        "roles": list(ROLE_LABELS.items()),
        "unit_options": unit_options(units_with_role(tree, principal, "admin")),
    }


def _manageable(
    principal: Principal, user: User, grants: list[tuple[str, Unit]], tree: UnitTree
) -> bool:
    """Whether every grant of ``user`` lies in your admin scope: only then may you take the
    account over (a new password) or lock it out."""
    if principal.is_superadmin:
        return True
    inside = all(principal.can("admin", unit.id, tree) for _, unit in grants)
    return not user.is_superadmin and bool(grants) and inside


async def _target(
    session: AsyncSession, principal: Principal, user_id: int
) -> tuple[User, list[tuple[str, Unit]], UnitTree]:
    """The account, its grants and the unit tree; 403 unless it holds a role in your scope."""
    user = await get_user(session, user_id)
    grants = await grants_with_units(session, user.id)
    tree = await load_tree(session)
    visible = any(principal.can("admin", unit.id, tree) for _, unit in grants)
    if not principal.is_superadmin and (user.is_superadmin or not visible):
        raise Forbidden(MSG_OUTSIDE)
    return user, grants, tree


async def _list_page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "users": await users_in_scope(session, principal),
        "values": {},
        "errors": {},
        **_choices(await load_tree(session), principal),
        **(extra or {}),
    }
    return render(request, "users.html", context, status_code)


async def _user_page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    user_id: int,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    user, grants, tree = await _target(session, principal, user_id)
    context = {
        "user": user,
        "grants": [(role, unit, principal.can("admin", unit.id, tree)) for role, unit in grants],
        "manageable": _manageable(principal, user, grants, tree),
        "is_self": user.id == principal.id,
        "values": {},
        "errors": {},
        "issued": None,
        **_choices(tree, principal),
        **(extra or {}),
    }
    return render(request, "console/user.html", context, status_code, NO_STORE)


@router.get("", response_class=HTMLResponse)
async def users_page(request: Request, principal: StaffAdmin, session: SessionDep) -> Response:
    """Users holding roles inside your admin scope, and the form to create one."""
    return await _list_page(request, session, principal)


def _password(form: Form) -> str:
    """As typed (not stripped: the service refuses surrounding spaces rather than drop them)."""
    return next((value for name, value in form.items if name == "password"), "")


@router.post("", response_class=HTMLResponse)
async def create_user_page(
    request: Request, principal: StaffAdmin, session: WriteSessionDep
) -> Response:
    """Create an account with a role on a unit you administer; a generated password is shown
    on the next page only, and the user must change it at first sign-in."""
    await check_csrf(request, principal)
    form, tree = await Form.read(request), await load_tree(session)
    email = form.text("email", 254)
    if email and "@" not in email:
        form.fail("email", MSG_EMAIL)
    name = form.text("name", required=False)
    username = form.text("username", 64, required=False) or None
    role = form.choice("role", list(ROLE_RANK))
    unit = form.choice("unit", [code for code, _ in _choices(tree, principal)["unit_options"]])
    typed = _password(form)
    password = typed or new_token(12)
    actor = actor_of(request, principal)
    if form.ok:
        try:
            user = await create_user(
                session,
                actor,
                email=email,
                password=password,
                name=name,
                username=username,
                temporary=True,
                unit_id=tree.by_code[unit].id,
            )
        except AppError as exc:
            message = MSG_TAKEN if isinstance(exc, Conflict) else exc.detail
            form.fail(str(exc.extra.get("field", "email")), message)
        else:
            await grant_role(session, actor, user, role, unit)
            if typed:
                return done(f"/admin/users/{user.id}", "user-created")
            return await _user_page(request, session, principal, user.id, {"issued": password})
    values = {k: v for k, v in form.values().items() if k != "password"}
    extra = {"values": values, "errors": form.errors}
    return await _list_page(request, session, principal, extra, 422)


@router.get("/{user_id}", response_class=HTMLResponse)
async def user_page(
    request: Request, user_id: RowId, principal: StaffAdmin, session: SessionDep
) -> Response:
    """One account: its roles, the forms to grant and revoke them, password and state."""
    return await _user_page(request, session, principal, user_id)


@router.post("/{user_id}/grant", response_class=HTMLResponse)
async def grant_page(
    request: Request, user_id: RowId, principal: StaffAdmin, session: WriteSessionDep
) -> Response:
    """Grant a role on a unit you administer (valid for its whole subtree)."""
    user, _, tree = await _target(session, principal, user_id)
    await check_csrf(request, principal)
    form = await Form.read(request)
    role = form.choice("role", list(ROLE_RANK))
    unit = form.choice("unit", [code for code, _ in _choices(tree, principal)["unit_options"]])
    if not form.ok:
        extra = {"values": form.values(), "errors": form.errors}
        return await _user_page(request, session, principal, user_id, extra, 422)
    await grant_role(session, actor_of(request, principal), user, role, unit)
    return done(f"/admin/users/{user_id}", "role-granted")


@router.post("/{user_id}/revoke")
async def revoke_page(
    request: Request, user_id: RowId, principal: StaffAdmin, session: WriteSessionDep
) -> Response:
    """Revoke one of the account's roles, on a unit you administer."""
    user, _, tree = await _target(session, principal, user_id)
    await check_csrf(request, principal)
    form = await Form.read(request)
    unit = tree.get(form.get("unit"))
    require(principal, "admin", unit.id, tree)
    await revoke_role(session, actor_of(request, principal), user, form.get("role"), unit.code)
    return done(f"/admin/users/{user_id}", "role-revoked")


async def _takeover(
    request: Request, session: AsyncSession, principal: Principal, user_id: int
) -> tuple[User, int | None]:
    """The account, for a change only an admin of its whole scope may make, and the unit the
    audit files it under."""
    user, grants, tree = await _target(session, principal, user_id)
    await check_csrf(request, principal)
    if not _manageable(principal, user, grants, tree):
        raise Forbidden(MSG_WIDER)
    return user, grants[0][1].id if grants else None


@router.post("/{user_id}/reset", response_class=HTMLResponse)
async def user_reset(
    request: Request, user_id: RowId, principal: StaffAdmin, session: WriteSessionDep
) -> Response:
    """Set a temporary password; only for users whose every grant is inside your scope."""
    user, unit_id = await _takeover(request, session, principal, user_id)
    form = await Form.read(request)
    temporary = next((v for k, v in form.items if k == "temporary"), "")
    try:
        await reset_password(session, actor_of(request, principal), user, temporary, unit_id)
    except AppError as exc:
        extra = {"errors": {"temporary": exc.detail}}
        return await _user_page(request, session, principal, user_id, extra, 422)
    return done(f"/admin/users/{user_id}", "password-reset")


@router.post("/{user_id}/deactivate")
async def deactivate_page(
    request: Request, user_id: RowId, principal: StaffAdmin, session: WriteSessionDep
) -> Response:
    """Lock the account out: it can no longer sign in, and its sessions end now."""
    user, unit_id = await _takeover(request, session, principal, user_id)
    if user.id == principal.id:
        raise Forbidden(MSG_SELF)
    await set_active(session, actor_of(request, principal), user, False, unit_id)
    return done(f"/admin/users/{user_id}", "user-deactivated")


@router.post("/{user_id}/reactivate")
async def reactivate_page(
    request: Request, user_id: RowId, principal: StaffAdmin, session: WriteSessionDep
) -> Response:
    """Let a deactivated account sign in again."""
    user, unit_id = await _takeover(request, session, principal, user_id)
    await set_active(session, actor_of(request, principal), user, True, unit_id)
    return done(f"/admin/users/{user_id}", "user-reactivated")
