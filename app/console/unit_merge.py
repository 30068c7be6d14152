"""Console: merging units (A and B become C from a date) — the form, a confirmation page
showing what the merge does, and the merge; all through the lineage service."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.access import StaffAdmin, StaffAdminWrite, actor_of, require
from app.auth.principal import Principal
from app.console.forms import Form
from app.console.merging import (
    MergeChoices,
    MergePlan,
    merge_choices,
    read_merge,
    run_merge,
)
from app.console.views import done, render
from app.deps import SessionDep, WriteSessionDep
from app.units.service import load_tree

router = APIRouter(include_in_schema=False)  # under /console/units (units.py includes it)
FIELDS = ("into", "name", "level", "parent", "effective", "move_children")


def _form_page(
    request: Request,
    choices: MergeChoices,
    values: dict[str, str],
    chosen: list[str],
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "choices": choices,
        "values": values,
        "chosen": chosen,
        "errors": errors or {},
    }
    return render(request, "console/unit_merge.html", context, 422 if errors else 200)


@router.get("/merge", response_class=HTMLResponse)
async def merge_page(
    request: Request, principal: StaffAdmin, session: SessionDep, source: str = ""
) -> HTMLResponse:
    """The merge form (``source`` chosen; the confirmation page's "change" fills it all)."""
    tree = await load_tree(session)
    if source:
        require(principal, "admin", tree.get(source).id, tree)
    query = request.query_params
    values = {name: query[name] for name in FIELDS if name in query}
    values.setdefault("effective", request.app.state.settings.today().isoformat())
    chosen = [*query.getlist("sources"), *([source] if source else [])]
    return _form_page(request, await merge_choices(session, tree, principal), values, chosen)


async def _merge(
    request: Request, principal: Principal, session: WriteSessionDep, apply: bool
) -> MergePlan | HTMLResponse:
    """The merge as the service makes it (``apply``) or would, else the form with errors."""
    tree = await load_tree(session)
    choices = await merge_choices(session, tree, principal)
    form = await Form.read(request)
    req = read_merge(form, choices, tree, principal)
    actor = actor_of(request, principal)
    plan = None if req is None else await run_merge(session, actor, principal, req, form, apply)
    if plan is None:
        values, chosen = form.values(), form.getlist("sources")
        return _form_page(request, choices, values, chosen, form.errors)
    return plan


@router.post("/merge", response_class=HTMLResponse)
async def preview_merge(
    request: Request, principal: StaffAdminWrite, session: WriteSessionDep
) -> Response:
    """What the merge would do, to confirm; nothing is written."""
    plan = await _merge(request, principal, session, apply=False)
    if isinstance(plan, HTMLResponse):
        return plan
    return render(request, "console/unit_merge_confirm.html", {"plan": plan})


@router.post("/merge/confirm", response_class=HTMLResponse)
async def confirm_merge(
    request: Request, principal: StaffAdminWrite, session: WriteSessionDep
) -> Response:
    """Merge the units into the successor from the date; audited by the service."""
    plan = await _merge(request, principal, session, apply=True)
    if isinstance(plan, HTMLResponse):
        return plan
    return done(f"/console/units?q={quote(plan.successor.code)}", "units-merged")
