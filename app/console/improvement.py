"""Console pages of improvement (app/improvement): a unit's gaps and key drivers, its plan of
actions (create, progress, evidence, review), the progress report of a period and the owners'
inbox. The services do the work, as the API does."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import StaffManager, StaffViewer, actor_of, check_csrf
from app.auth.principal import Principal
from app.console.forms import Form
from app.console.views import render
from app.deps import CatalogueDep, SessionDep, SettingsDep, WriteSessionDep
from app.errors import Unprocessable
from app.forms.registry import Catalogue
from app.i18n import N_, english, request_lang
from app.improvement.cache import served_drivers, served_gaps
from app.improvement.chart import ipa_svg
from app.improvement.evidence import EVIDENCE_MAX_BYTES
from app.improvement.plans import (
    STATUS_LABELS,
    action_out,
    add_evidence,
    can_review,
    create_action,
    get_action,
    get_evidence,
    list_actions,
    update_action,
)
from app.improvement.plans_router import evidence_response
from app.improvement.progress import inbox, progress_report
from app.improvement.schemas import ActionIn, ActionPatch, PendingFigures
from app.models.improvement_action import ACTION_STATUSES
from app.payload import RowId
from app.rounds.service import get_round
from app.units.service import load_tree

router = APIRouter(prefix="/console/improvement", include_in_schema=False)
MSG_TITLE = N_("Vui lòng nhập nội dung hành động (từ 3 ký tự).")


def _lang(request: Request) -> str:
    return "en" if request_lang(request) == "en" else "vi"


@router.get("", response_class=HTMLResponse)
async def improvement_home(
    request: Request, principal: StaffViewer, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Choose a round and unit; the inbox of actions due soon or late."""
    items = await inbox(session, principal, settings.today())
    context = {"inbox": items, "today": settings.today()}
    return render(request, "console/improvement_home.html", context)


@router.get("/go", response_class=HTMLResponse)
async def improvement_go(principal: StaffViewer, round: str = "", unit: str = "") -> Response:
    """From the choice form to the unit's page."""
    return RedirectResponse(
        f"/console/improvement/rounds/{quote(round)}/{quote(unit)}", status_code=303
    )


async def _unit_page(
    request: Request,
    session: AsyncSession,
    catalogue: Catalogue,
    principal: Principal,
    round_code: str,
    unit_code: str,
    form: Form | None = None,
) -> HTMLResponse:
    lang = _lang(request)
    db = request.app.state.db
    gaps = await served_gaps(session, catalogue, round_code, unit_code, principal, lang, db)
    drivers = await served_drivers(session, catalogue, round_code, unit_code, principal, lang, db)
    instrument = catalogue.get((await get_round(session, round_code)).form_code).instrument
    tree = await load_tree(session)
    actions = [
        await action_out(session, tree, a, detail=False)
        for a in await list_actions(session, principal, tree, round_code, unit_code)
    ]
    unit = tree.get(unit_code)
    context: dict[str, Any] = {
        "gaps": gaps,
        "drivers": drivers,
        "pending": isinstance(gaps, PendingFigures) or isinstance(drivers, PendingFigures),
        "criteria": [q.code for q in instrument.criteria],
        "chart": None
        if isinstance(drivers, PendingFigures)
        else ipa_svg(drivers, english if lang == "en" else str),
        "actions": actions,
        "unit": unit,
        "round_code": round_code,
        "can_plan": principal.can("manager", unit.id, tree),
        "values": form.values() if form else {},
        "errors": form.errors if form else {},
        "status_labels": STATUS_LABELS,
    }
    return render(request, "console/improvement_unit.html", context, 422 if form else 200)


@router.get("/rounds/{round_code}/{unit_code}", response_class=HTMLResponse)
async def unit_improvement(
    request: Request,
    round_code: str,
    unit_code: str,
    principal: StaffViewer,
    session: SessionDep,
    catalogue: CatalogueDep,
) -> HTMLResponse:
    """Where the unit loses points, what drives satisfaction, and its plan."""
    return await _unit_page(request, session, catalogue, principal, round_code, unit_code)


@router.post("/rounds/{round_code}/{unit_code}/actions", response_class=HTMLResponse)
async def add_action(
    request: Request,
    round_code: str,
    unit_code: str,
    principal: StaffManager,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
) -> Response:
    """A new action of the unit's plan."""
    await check_csrf(request, principal)
    form = await Form.read(request)
    title = form.text("title", 300)
    person = form.text("responsible_person", 200)
    due = form.day("due_on")
    if title and len(title) < 3:
        form.fail("title", MSG_TITLE)
    if not form.ok or due is None:
        return await _unit_page(request, session, catalogue, principal, round_code, unit_code, form)
    body = ActionIn(
        unit=unit_code,
        round=round_code,
        title=title,
        criteria=form.getlist("criteria"),
        responsible_unit=form.get("responsible_unit") or unit_code,
        responsible_person=person,
        due_on=due,
    )
    action = await create_action(session, actor_of(request, principal), principal, catalogue, body)
    return RedirectResponse(f"/console/improvement/actions/{action.id}", status_code=303)


@router.get("/actions/{action_id}", response_class=HTMLResponse)
async def action_page(
    request: Request, action_id: RowId, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """One action: status, notes, evidence files, review."""
    tree = await load_tree(session)
    action = await get_action(session, principal, tree, action_id)
    round_ = await get_round(session, (await action_out(session, tree, action, False)).round)
    context = {
        "action": await action_out(session, tree, action),
        "round": round_,
        "can_update": principal.can("manager", action.unit_id, tree),
        "can_review": can_review(principal, tree, action.unit_id),
        "statuses": ACTION_STATUSES,
        "status_labels": STATUS_LABELS,
        "max_mb": EVIDENCE_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "console/improvement_action.html", context)


@router.post("/actions/{action_id}", response_class=HTMLResponse)
async def change_action(
    request: Request,
    action_id: RowId,
    principal: StaffManager,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """Status and note (the unit's managers), or the review (the province)."""
    await check_csrf(request, principal)
    form = await Form.read(request)
    patch = ActionPatch(
        status=form.get("status") or None,
        note=form.get("note") or None,
        review=form.get("review") or None,
        review_note=form.get("review_note") or None,
    )
    actor = actor_of(request, principal)
    await update_action(session, actor, principal, action_id, patch, settings.today())
    return RedirectResponse(f"/console/improvement/actions/{action_id}", status_code=303)


@router.post("/actions/{action_id}/evidence", response_class=HTMLResponse)
async def upload_evidence(
    request: Request, action_id: RowId, principal: StaffManager, session: WriteSessionDep
) -> Response:
    """Attach an evidence file (PDF, PNG, JPEG)."""
    await check_csrf(request, principal)
    upload = (await request.form()).get("file")
    if upload is None or isinstance(upload, str):
        raise Unprocessable(N_("Vui lòng chọn tệp minh chứng (PDF, PNG hoặc JPEG)."))
    data = await upload.read(EVIDENCE_MAX_BYTES + 1)
    actor = actor_of(request, principal)
    await add_evidence(session, actor, principal, action_id, upload.filename or "", data)
    return RedirectResponse(f"/console/improvement/actions/{action_id}", status_code=303)


@router.get("/evidence/{evidence_id}")
async def download(evidence_id: RowId, principal: StaffViewer, session: SessionDep) -> Response:
    """An evidence file, as a download."""
    found = await get_evidence(session, principal, evidence_id)
    return evidence_response(found.data, found.content_type, found.filename)


@router.get("/progress", response_class=HTMLResponse)
async def progress_page(
    request: Request,
    principal: StaffViewer,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    half: Annotated[int | None, Query(ge=1, le=2)] = None,
    unit: str | None = None,
) -> HTMLResponse:
    """Progress of the plans in a quarter, half year or year."""
    today: date = settings.today()
    year = year or today.year
    if quarter is None and half is None and "year" not in request.query_params:
        quarter = (today.month - 1) // 3 + 1
    report = await progress_report(
        session, catalogue, principal, settings, year, quarter, half, unit or None
    )
    context = {"report": report, "year": year, "quarter": quarter, "half": half, "unit": unit}
    return render(request, "console/improvement_progress.html", context)
