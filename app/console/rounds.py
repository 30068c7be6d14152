"""Console pages: rounds in scope, a new round from an instrument, a round and its status."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import (
    StaffAdmin,
    StaffManager,
    StaffViewer,
    actor_of,
    check_csrf,
    require,
)
from app.auth.principal import Principal
from app.console.editing import create_round_for_units, read_round
from app.console.forms import Form
from app.console.round_pages import ROUND_TABS, attempt
from app.console.service import covered_units, round_summaries, unit_options, units_with_role
from app.console.views import done, render
from app.deps import CatalogueDep, SessionDep, SettingsDep, WriteSessionDep
from app.errors import AppError, Forbidden
from app.forms.registry import Catalogue
from app.i18n import N_, request_lang
from app.instruments.service import form_measure
from app.models.round import CI_METHODS, LONELY_PSU, VARIANCE_METHODS
from app.rounds.inference import change_inference
from app.rounds.service import (
    EDITABLE,
    MSG_PERIOD,
    TRANSITIONS,
    change_details,
    change_status,
    editable_fields,
    get_round,
    round_in_scope,
    round_unit_id,
)
from app.units.service import UnitNode, UnitTree, load_tree

router = APIRouter(prefix="/console/rounds", include_in_schema=False)
MSG_CHOOSE = N_("Hãy chọn một trong các phương án.")
# The round's inference settings as the console offers them (value -> label msgid)
CI_LABELS = {
    "logit": N_('Logit (như R svyciprop method = "xlogit"; không có khoảng ở 0 và 100)'),
    "beta": N_("Korn–Graubard (beta): nên dùng cho tỉ lệ gần 0 hoặc 100 và đơn vị ít phiếu"),
    "wilson": N_("Wilson (khoảng điểm số theo cỡ mẫu hiệu dụng)"),
}
LONELY_LABELS = {
    "adjust": N_("Điều chỉnh (adjust, mặc định): tính quanh trung bình của cả mẫu"),
    "average": N_("Lấy trung bình (average) của các tầng có nhiều PSU"),
    "certainty": N_("Coi là chọn chắc chắn (certainty): không đóng góp phương sai"),
    "remove": N_("Bỏ qua (remove): không đóng góp phương sai"),
    "fail": N_("Báo lỗi (fail): không báo cáo miền có tầng như vậy"),
}
VARIANCE_LABELS = {
    "linearisation": N_("Tuyến tính hóa Taylor (mặc định)"),
    "jk1": N_("Jackknife JK1 (thiết kế không phân tầng)"),
    "jkn": N_("Jackknife JKn (thiết kế phân tầng)"),
    "bootstrap": N_("Bootstrap Rao–Wu (số bản lặp của đợt, mặc định 80)"),
}
MSG_OUTSIDE = N_("Đợt khảo sát này không có đơn vị nào trong phạm vi của bạn.")


@router.get("", response_class=HTMLResponse)
async def rounds_page(
    request: Request, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """Rounds covering units in your scope, newest first."""
    summaries = await round_summaries(session, principal, await load_tree(session))
    context = {"summaries": summaries, "can_create": principal.has_any("manager")}
    return render(request, "console/rounds.html", context)


def _new_page(
    request: Request,
    catalogue: Catalogue,
    tree: UnitTree,
    principal: Principal,
    root: UnitNode | None,
    values: dict[str, Any],
    form: Form | None = None,
) -> HTMLResponse:
    lang = request_lang(request)
    context = {
        "roots_options": unit_options(units_with_role(tree, principal, "manager")),
        "root": root,
        "counters": tree.leaves(root.id) if root else [],
        "forms_options": [
            (code, f"{form.instrument.title.get(lang)} ({code} {form.version})")
            for code, form in ((c, catalogue.get(c)) for c in catalogue.codes())
        ],
        "values": values,
        "chosen": set(form.getlist("unit")) if form else None,
        "errors": form.errors if form else {},
    }
    return render(request, "console/round_new.html", context, 422 if form else 200)


@router.get("/new", response_class=HTMLResponse)
async def new_round_page(
    request: Request,
    principal: StaffManager,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    root: str = "",
) -> HTMLResponse:
    """Step 1: pick the unit whose counters the round covers; step 2: the round's details."""
    tree = await load_tree(session)
    node = tree.get(root) if root else None
    if node is not None:
        require(principal, "manager", node.id, tree)
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    values = _defaults(catalogue, today)
    return _new_page(request, catalogue, tree, principal, node, values)


def _defaults(catalogue: Catalogue, today: date) -> dict[str, Any]:
    codes = catalogue.codes()
    form = "one-stop-counter" if "one-stop-counter" in codes else codes[0]
    ends = today + timedelta(days=30)
    return {"form": form, "starts_on": today.isoformat(), "ends_on": ends.isoformat()}


@router.post("", response_class=HTMLResponse)
async def create_round_page(
    request: Request,
    principal: StaffManager,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
) -> Response:
    """Create a round (draft) covering the chosen counters with their volumes; audited."""
    await check_csrf(request, principal)
    form, tree = await Form.read(request), await load_tree(session)
    root = tree.by_code.get(form.get("root"))
    if root is None or not principal.can("manager", root.id, tree):
        raise Forbidden(N_("Vui lòng chọn một đơn vị trong phạm vi quản lý của bạn."))
    draft = read_round(form, catalogue, tree, principal, root)
    created = None
    if draft is not None:
        actor = actor_of(request, principal)
        created = await create_round_for_units(session, actor, draft, root, form)
    if created is None:
        return _new_page(request, catalogue, tree, principal, root, form.values(), form)
    return done(f"/console/rounds/{created.code}", "round-created")


@router.get("/{code}", response_class=HTMLResponse)
async def round_page(
    request: Request, code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """A round: its period, status, covered units in your scope with volumes and responses."""
    return await _round_page(request, session, principal, code)


async def _round_page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    code: str,
    failure: AppError | None = None,
    edit: Form | None = None,
    inference: Form | None = None,
) -> HTMLResponse:
    """The round's page; after a refused change (``failure``) with its reason (409), or with
    the edit form's values and errors (``edit``, 422)."""
    round_, tree = await get_round(session, code), await load_tree(session)
    units = await covered_units(session, round_, tree, principal.visible_units("viewer", tree))
    if not units and not principal.is_superadmin:
        raise Forbidden(MSG_OUTSIDE)
    everything = await covered_units(session, round_, tree, None)
    can_manage = all(principal.can("manager", c.node.id, tree) for c in everything)
    reads_all = all(principal.can("viewer", c.node.id, tree) for c in everything)
    context = {
        "tabs": ROUND_TABS if reads_all else (),  # the steps need every unit in scope
        "tab": "round",
        "round": round_,
        "units": units,
        "next_status": TRANSITIONS.get(round_.status, ()) if can_manage else (),
        "total": sum(c.responses for c in units),
        "measure": form_measure(
            request.app.state.catalogue, round_.form_code, request_lang(request)
        ),
        "failure": failure,
        "editable": can_manage and round_.status in EDITABLE,
        "edit_values": edit.values() if edit else editable_fields(round_),
        "edit_errors": edit.errors if edit else {},
        "edit_open": edit is not None,
        "can_set_inference": principal.is_superadmin
        or all(principal.can("admin", c.node.id, tree) for c in everything),
        "ci_labels": CI_LABELS,
        "lonely_labels": LONELY_LABELS,
        "variance_labels": VARIANCE_LABELS,
        "inference_values": inference.values()
        if inference
        else {
            "ci": round_.design_ci or "logit",
            "lonely_psu": round_.design_lonely_psu or "adjust",
            "variance": round_.design_variance or "linearisation",
        },
        "inference_errors": inference.errors if inference else {},
        "inference_open": inference is not None,
    }
    invalid = (edit and edit.errors) or (inference and inference.errors)
    status = failure.status_code if failure else 422 if invalid else 200
    return render(request, "console/round.html", context, status)


@router.post("/{code}/status")
async def round_status(
    request: Request, code: str, principal: StaffManager, session: WriteSessionDep
) -> Response:
    """Open, close or publish a round (one step at a time); audited. A refusal (e.g. another
    open round already serves the same counters) shows the round's page with the reason."""
    round_ = await round_in_scope(session, principal, code, "manager")
    await check_csrf(request, principal)
    form = await Form.read(request)
    actor, unit_id = actor_of(request, principal), await round_unit_id(session, round_)
    changed = await attempt(session, change_status(session, actor, round_, form.get("to"), unit_id))
    if isinstance(changed, AppError):  # e.g. another open round serves the same counters
        return await _round_page(request, session, principal, code, changed)
    return done(f"/console/rounds/{quote(round_.code)}", "round-status")


@router.post("/{code}/details")
async def round_details(
    request: Request, code: str, principal: StaffManager, session: WriteSessionDep
) -> Response:
    """Rename a draft or open round or move its period; audited. Wrong dates, or a period
    that would overlap another open round at the same counters, show the page again."""
    round_ = await round_in_scope(session, principal, code, "manager")
    await check_csrf(request, principal)
    form = await Form.read(request)
    name = form.text("name")
    starts_on, ends_on = form.day("starts_on"), form.day("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        form.fail("ends_on", MSG_PERIOD)
    if not form.ok or starts_on is None or ends_on is None:
        return await _round_page(request, session, principal, code, edit=form)
    actor, unit_id = actor_of(request, principal), await round_unit_id(session, round_)
    changed = await attempt(
        session,
        change_details(
            session, actor, round_, name=name, starts_on=starts_on, ends_on=ends_on, unit_id=unit_id
        ),
    )
    if isinstance(changed, AppError):
        return await _round_page(request, session, principal, code, changed, edit=form)
    return done(f"/console/rounds/{quote(round_.code)}", "round-edited")


@router.post("/{code}/inference")
async def round_inference(
    request: Request, code: str, principal: StaffAdmin, session: WriteSessionDep
) -> Response:
    """Set the round's interval method and single-PSU strata rule (admins of every unit of
    the round, as PUT /api/v1/rounds/{code}/inference); audited as round.design."""
    round_ = await round_in_scope(session, principal, code, "admin")
    await check_csrf(request, principal)
    form = await Form.read(request)
    ci, lonely_psu = form.get("ci"), form.get("lonely_psu")
    if ci not in CI_METHODS:
        form.fail("ci", MSG_CHOOSE)
    if lonely_psu not in LONELY_PSU:
        form.fail("lonely_psu", MSG_CHOOSE)
    variance = form.get("variance") or round_.design_variance or "linearisation"
    if variance not in VARIANCE_METHODS:
        form.fail("variance", MSG_CHOOSE)
    if not form.ok:
        return await _round_page(request, session, principal, code, inference=form)
    actor, unit_id = actor_of(request, principal), await round_unit_id(session, round_)
    await change_inference(
        session, actor, round_, ci=ci, lonely_psu=lonely_psu, unit_id=unit_id, variance=variance
    )
    return done(f"/console/rounds/{quote(round_.code)}", "round-inference")
