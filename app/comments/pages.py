"""Console pages for comments: the list, one comment and its handling, the on-time table."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth.access import StaffAdmin, StaffManager, StaffViewer, actor_of, check_csrf
from app.auth.principal import Principal
from app.comments import actions
from app.comments.ontime import on_time_report
from app.comments.router import Filter, OnTime
from app.comments.schemas import CommentAction, CommentActionName, CommentDetail
from app.comments.service import comment_detail, list_comments
from app.comments.sync import Synced
from app.console.forms import Form
from app.deps import SessionDep, SettingsDep, TemplatesDep, WriteSessionDep
from app.errors import AppError
from app.payload import INT64_MAX, BigRowId
from app.responses.pages import list_context, scope_choices
from app.units.service import load_tree

router = APIRouter(tags=["console"], include_in_schema=False)
PAGE_SIZE = 50


@router.get("/console/comments", response_class=HTMLResponse)
async def comments_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    principal: StaffViewer,
    _: Synced,
    f: Filter,
    before: int | None = Query(None, ge=1, le=INT64_MAX),
) -> Response:
    """Comments in scope, masked, with filters (status, overdue, round, unit) and counts."""
    page = await list_comments(session, principal, f, settings.today(), before, PAGE_SIZE)
    context = await list_context(request, session, principal, page, f, before)
    return templates.TemplateResponse(request, "comments/list.html", context)


@router.get("/console/comments/on-time", response_class=HTMLResponse)
async def on_time_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    principal: StaffViewer,
    _: Synced,
    f: OnTime,
) -> Response:
    """The share of comments handled on time, per unit, for a round or a period."""
    report = await on_time_report(session, principal, settings, settings.today(), f)
    context = {"principal": principal, "report": report, **await scope_choices(session, principal)}
    return templates.TemplateResponse(request, "comments/on_time.html", context)


async def _render(
    request: Request,
    templates: TemplatesDep,
    session: SessionDep,
    principal: Principal,
    detail: CommentDetail,
    form: Form | None = None,
) -> Response:
    """The comment's page; with ``form``, the refused form again (422), values and errors."""
    assignable: list[Any] = []
    if "assign" in detail.actions:
        tree = await load_tree(session)
        assignable = await actions.assignable_users(session, tree.get(detail.unit).id, tree)
    context = {
        "principal": principal,
        "c": detail,
        "assignable": assignable,
        "done": request.query_params.get("done"),
        "values": form.values() if form else {},
        "errors": form.errors if form else {},
    }
    status = 422 if form else 200
    response = templates.TemplateResponse(request, "comments/detail.html", context, status)
    response.headers["Cache-Control"] = "no-store"  # a revealed text must not linger in caches
    return response


@router.get("/console/comments/{comment_id}", response_class=HTMLResponse)
async def comment_page(
    request: Request,
    comment_id: BigRowId,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    principal: StaffViewer,
) -> Response:
    """One comment (masked), its history, and the forms its status allows."""
    detail = await comment_detail(session, principal, comment_id, settings.today())
    return await _render(request, templates, session, principal, detail)


@router.post("/console/comments/{comment_id}/reveal", response_class=HTMLResponse)
async def reveal_form(
    request: Request,
    comment_id: BigRowId,
    session: WriteSessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    principal: StaffAdmin,
) -> Response:
    """The comment page with its text unmasked (admins; audited; never cached)."""
    await check_csrf(request, principal)
    detail = await actions.reveal_comment(
        session, actor_of(request, principal), principal, comment_id, settings.today()
    )
    return await _render(request, templates, session, principal, detail)


DONE = {"assign": "assigned", "reply": "answered", "close": "closed", "reopen": "reopened"}


@router.post("/console/comments/{comment_id}/{action}")
async def action_form(
    request: Request,
    comment_id: BigRowId,
    action: CommentActionName,
    session: WriteSessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    principal: StaffManager,
) -> Response:
    """Assign, reply, close or reopen from the comment page's forms, then back to it; a
    refusal about a field (nobody chosen, an empty reply) shows the page again with it."""
    await check_csrf(request, principal)
    form = await Form.read(request)
    body = form.model(CommentAction)
    today = settings.today()
    if body is not None:
        actor = actor_of(request, principal)
        try:
            await actions.handle_comment(session, actor, principal, comment_id, action, body, today)
        except AppError as exc:
            if "field" not in exc.extra:
                raise
            form.fail(str(exc.extra["field"]), exc.detail)
        else:
            url = f"/console/comments/{comment_id}?done={DONE[action]}"
            return RedirectResponse(url, status_code=303)
    detail = await comment_detail(session, principal, comment_id, today)
    return await _render(request, templates, session, principal, detail, form)
