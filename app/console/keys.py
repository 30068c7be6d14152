"""Console pages: API keys of reporting systems (list, create showing the key once, revoke)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import StaffAdmin, actor_of, check_csrf, require
from app.auth.keys import create_key, list_keys, revoke_key
from app.auth.principal import Principal
from app.console.forms import Form
from app.console.service import unit_options, units_with_role
from app.console.views import done, render
from app.deps import SessionDep, SettingsDep, WriteSessionDep
from app.errors import AppError, NotFound
from app.models import ApiKey
from app.models.base import as_utc, utcnow
from app.units.service import UnitTree, load_tree

router = APIRouter(prefix="/console/keys", include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


async def _page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    tree: UnitTree,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    visible = principal.visible_units("admin", tree)
    now = utcnow()
    keys = [
        {
            "key": key,
            "unit": tree.by_id.get(key.unit_id),
            "expired": key.expires_at is not None and as_utc(key.expires_at) <= now,
        }
        for key in await list_keys(session)
        if visible is None or key.unit_id in visible
    ]
    context = {
        "keys": keys,
        "unit_options": unit_options(units_with_role(tree, principal, "admin")),
        "values": {},
        "errors": {},
        "issued": None,
        **(extra or {}),
    }
    return render(request, "console/keys.html", context, status_code, NO_STORE)


@router.get("", response_class=HTMLResponse)
async def keys_page(request: Request, principal: StaffAdmin, session: SessionDep) -> HTMLResponse:
    """API keys on units in your admin scope, with their state and last use."""
    return await _page(request, session, principal, await load_tree(session))


@router.post("", response_class=HTMLResponse)
async def create_key_page(
    request: Request, principal: StaffAdmin, session: WriteSessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Create a read or feeder key on a unit you administer; the key is shown on this page only."""
    await check_csrf(request, principal)
    form, tree = await Form.read(request), await load_tree(session)
    name = form.text("name")
    unit = form.choice("unit", [v.node.code for v in units_with_role(tree, principal, "admin")])
    expires = form.day("expires") if form.get("expires") else None
    permission = "feed" if form.get("permission") == "feed" else "read"
    zone = ZoneInfo(settings.timezone)  # valid through that whole local day
    until = datetime.combine(expires + timedelta(days=1), time(), zone) if expires else None
    if form.ok:
        try:
            actor = actor_of(request, principal)
            issued = await create_key(session, actor, name, unit, until, permission)
        except AppError as exc:
            form.fail(str(exc.extra.get("field", "name")), exc.detail)
        else:
            return await _page(request, session, principal, tree, {"issued": issued.key})
    extra = {"values": form.values(), "errors": form.errors}
    return await _page(request, session, principal, tree, extra, 422)


@router.post("/{prefix}/revoke")
async def revoke_key_page(
    request: Request, prefix: str, principal: StaffAdmin, session: WriteSessionDep
) -> Response:
    """Revoke a key on a unit you administer; it stops working at once."""
    key = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None:
        raise NotFound(f"no API key with prefix {prefix!r}")
    require(principal, "admin", key.unit_id, await load_tree(session))
    await check_csrf(request, principal)
    await revoke_key(session, actor_of(request, principal), prefix)
    return done("/console/keys", "key-revoked")
