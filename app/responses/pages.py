"""Console pages for responses: the filtered list, one response, exclude and restore."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth.access import StaffManager, StaffViewer, actor_of, check_csrf
from app.auth.principal import Principal
from app.comments.sync import Synced
from app.console.forms import Form
from app.deps import SessionDep, SettingsDep, TemplatesDep, WriteSessionDep
from app.errors import AppError
from app.payload import INT64_MAX, BigRowId
from app.responses.router import STATUS_AFTER, Filter, ResponseAction
from app.responses.schemas import StatusChange
from app.responses.service import list_responses, response_detail, set_status
from app.rounds.service import rounds_in_scope
from app.units.service import UnitNode, load_tree

router = APIRouter(tags=["console"], include_in_schema=False)
PAGE_SIZE = 50


def with_query(request: Request, **changes: Any) -> str:
    """This page's query string with some parameters changed (None drops one)."""
    params = {k: v for k, v in request.query_params.items() if v}
    params.update({k: str(v) for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        params.pop(key, None)
    return urlencode(params)


async def list_context(
    request: Request,
    session: SessionDep,
    principal: Principal,
    page: Any,
    f: Any,
    before: int | None,
) -> dict[str, Any]:
    """What a filtered, paged list page shows besides its rows: links and filter choices."""
    return {
        "principal": principal,
        "page": page,
        "f": f,
        "next": with_query(request, before=page.next_before) if page.next_before else None,
        "first": with_query(request, before=None) if before else None,
        **await scope_choices(session, principal),
    }


async def scope_choices(session: SessionDep, principal: Principal) -> dict[str, Any]:
    """Rounds and units a filter form offers: those in the principal's scope."""
    tree = await load_tree(session)
    visible = principal.visible_units("viewer", tree)
    units: list[UnitNode] = sorted(
        (n for n in tree.by_id.values() if visible is None or n.id in visible),
        key=lambda n: n.code,
    )
    return {"rounds": await rounds_in_scope(session, principal), "units": units}


@router.get("/console/responses", response_class=HTMLResponse)
async def responses_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    principal: StaffViewer,
    _: Synced,
    f: Filter,
    before: int | None = Query(None, ge=1, le=INT64_MAX),
) -> Response:
    """Responses in scope: filters, a table, pages, and the CSV export of the filter."""
    page = await list_responses(session, principal, settings, f, before, PAGE_SIZE)
    context = await list_context(request, session, principal, page, f, before)
    context["export"] = "/api/v1/responses.csv?" + with_query(request, before=None)
    return templates.TemplateResponse(request, "responses/list.html", context)


async def _detail(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    principal: Principal,
    response_id: BigRowId,
    form: Form | None = None,
) -> Response:
    """One response's page; with ``form``, its refused form again (422), values and errors."""
    detail = await response_detail(session, principal, response_id)
    tree = await load_tree(session)
    unit_id = tree.get(detail.unit).id
    context = {
        "principal": principal,
        "r": detail,
        "can_change": principal.can("manager", unit_id, tree),
        "done": request.query_params.get("done"),
        "values": form.values() if form else {},
        "errors": form.errors if form else {},
    }
    status = 422 if form else 200
    return templates.TemplateResponse(request, "responses/detail.html", context, status)


@router.get("/console/responses/{response_id}", response_class=HTMLResponse)
async def response_page(
    request: Request,
    response_id: BigRowId,
    session: SessionDep,
    templates: TemplatesDep,
    principal: StaffViewer,
    _: Synced,
) -> Response:
    """One response with its answers, and the exclude or restore form for managers."""
    return await _detail(request, session, templates, principal, response_id)


@router.post("/console/responses/{response_id}/{action}")
async def status_form(
    request: Request,
    response_id: BigRowId,
    action: ResponseAction,
    session: WriteSessionDep,
    templates: TemplatesDep,
    principal: StaffManager,
) -> Response:
    """Exclude or restore from the response page's form, then back to it; a refusal about
    the form (no reason) shows the page again with the message at the field."""
    await check_csrf(request, principal)
    form = await Form.read(request)
    body = form.model(StatusChange)
    if body is not None:
        actor = actor_of(request, principal)
        try:
            await set_status(
                session, actor, principal, response_id, STATUS_AFTER[action], body.reason
            )
        except AppError as exc:
            if "field" not in exc.extra:
                raise
            form.fail(str(exc.extra["field"]), exc.detail)
        else:
            done = "excluded" if action == "exclude" else "restored"
            url = f"/console/responses/{response_id}?done={done}"
            return RedirectResponse(url, status_code=303)
    return await _detail(request, session, templates, principal, response_id, form)
