"""Console pages: the units in scope as a tree, search, create and edit (import and merge:
unit_import.py, unit_merge.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.access import StaffAdmin, StaffViewer, actor_of, check_csrf, require
from app.auth.principal import Principal
from app.console import unit_change, unit_crosswalk, unit_events, unit_import, unit_merge
from app.console.editing import save_unit
from app.console.forms import Form
from app.console.merging import load_lineage
from app.console.service import levels, parent_options, search, unit_forest
from app.console.views import done, render
from app.deps import SessionDep, WriteSessionDep
from app.units.service import UnitNode, UnitTree, load_tree

router = APIRouter(prefix="/console/units", include_in_schema=False)
# Before "/{code}" below, which would take POST /console/units/import and .../merge.
router.include_router(unit_import.router)
router.include_router(unit_merge.router)
router.include_router(unit_events.router)
router.include_router(unit_crosswalk.router)
router.include_router(unit_change.router)


@router.get("", response_class=HTMLResponse)
async def units_page(
    request: Request, principal: StaffViewer, session: SessionDep, q: str = ""
) -> HTMLResponse:
    """The units in your scope as a collapsible tree, or those matching ``q``, with their
    lineage (merged into / from)."""
    tree = await load_tree(session)
    forest = unit_forest(tree, principal)
    context = {
        "forest": forest,
        "found": search(forest, q) if q.strip() else None,
        "q": q,
        "can_create": principal.has_any("admin"),
        "lineage": await load_lineage(session, tree),
        "today": request.app.state.settings.today(),  # a merge from a later day is announced
    }
    return render(request, "console/units.html", context)


def _form_page(
    request: Request,
    tree: UnitTree,
    principal: Principal,
    unit: UnitNode | None,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "unit": unit,
        "values": values,
        "errors": errors or {},
        "parents": parent_options(tree, principal, unit),
        "levels": levels(tree),
    }
    return render(request, "console/unit_form.html", context, 422 if errors else 200)


@router.get("/new", response_class=HTMLResponse)
async def new_unit_page(
    request: Request, principal: StaffAdmin, session: SessionDep, parent: str = ""
) -> HTMLResponse:
    """The form for a new unit (under ``parent`` if given)."""
    tree = await load_tree(session)
    if parent:
        require(principal, "admin", tree.get(parent).id, tree)
    return _form_page(request, tree, principal, None, {"parent": parent})


@router.post("", response_class=HTMLResponse)
async def create_unit(
    request: Request, principal: StaffAdmin, session: WriteSessionDep
) -> Response:
    """Create a unit under one you administer; audited."""
    await check_csrf(request, principal)
    form, tree = await Form.read(request), await load_tree(session)
    code = await save_unit(session, actor_of(request, principal), principal, tree, form, None)
    if code is None:
        return _form_page(request, tree, principal, None, form.values(), form.errors)
    return done(f"/console/units?q={quote(code)}", "unit-created")


@router.get("/{code}/edit", response_class=HTMLResponse)
async def edit_unit_page(
    request: Request, code: str, principal: StaffAdmin, session: SessionDep
) -> HTMLResponse:
    """The form to rename a unit, change its level or move it."""
    tree = await load_tree(session)
    unit = tree.get(code)
    require(principal, "admin", unit.id, tree)
    parent = tree.by_id[unit.parent_id].code if unit.parent_id is not None else ""
    values = {"name": unit.name, "level": unit.level, "parent": parent}
    return _form_page(request, tree, principal, unit, values)


@router.post("/{code}", response_class=HTMLResponse)
async def update_unit(
    request: Request, code: str, principal: StaffAdmin, session: WriteSessionDep
) -> Response:
    """Save a unit's name, level and parent; audited."""
    tree = await load_tree(session)
    unit = tree.get(code)
    require(principal, "admin", unit.id, tree)
    await check_csrf(request, principal)
    form = await Form.read(request)
    if await save_unit(session, actor_of(request, principal), principal, tree, form, unit) is None:
        return _form_page(request, tree, principal, unit, form.values(), form.errors)
    return done(f"/console/units?q={quote(code)}", "unit-saved")
