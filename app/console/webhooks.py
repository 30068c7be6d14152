"""Console pages: webhook subscriptions (list, create showing the secret once, delivery log,
redeliver, disable, enable) for admins of their units, and each head's alert e-mails."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.service import change_preferences, preferences
from app.auth.access import StaffAdmin, StaffManager, actor_of, check_csrf
from app.auth.principal import Principal
from app.console.forms import Form
from app.console.service import unit_options, units_with_role
from app.console.views import done, render
from app.deps import SessionDep, WriteSessionDep
from app.errors import AppError, NotFound
from app.i18n import N_
from app.models.alert import ALERT_KINDS
from app.payload import BigRowId, RowId
from app.units.service import UnitTree, load_tree
from app.webhooks import service
from app.webhooks.events import EVENTS
from app.webhooks.schemas import SubscriptionIn

router = APIRouter(include_in_schema=False)
MSG_URL = N_("Vui lòng nhập địa chỉ http:// hoặc https:// hợp lệ.")
MSG_EVENTS = N_("Vui lòng chọn ít nhất một sự kiện.")
EVENT_LABELS = {
    "response.created": N_("Có phiếu trả lời mới"),
    "response.low_score": N_("Phiếu có mức hài lòng thấp"),
    "integrity.flag": N_("Phiếu bị gắn cờ cần kiểm tra"),
    "comment.overdue": N_("Góp ý quá hạn xử lý"),
    "unit.below_target": N_("Đơn vị dưới chỉ tiêu"),
    "revision.frozen": N_("Chốt một phiên bản số liệu"),
    "round.published": N_("Công bố kết quả đợt khảo sát"),
}
DELIVERY_STATUS = {
    "pending": N_("Đang chờ gửi"),
    "delivered": N_("Đã nhận"),
    "failed": N_("Gửi không được"),
}
ALERT_LABELS = {
    "overdue": N_("Góp ý quá hạn xử lý tại đơn vị (tối đa một thư mỗi ngày)"),
    "below_target": N_("Đơn vị xuống dưới chỉ tiêu"),
    "digest": N_("Thư tóm tắt hằng tuần"),
}
NO_STORE = {"Cache-Control": "no-store"}


async def _page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    tree: UnitTree,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "subscriptions": await service.list_subscriptions(session, principal, tree),
        "unit_options": unit_options(units_with_role(tree, principal, "admin")),
        "events": EVENTS,
        "event_labels": EVENT_LABELS,
        "values": {},
        "chosen": [],
        "errors": {},
        "issued": None,
        **(extra or {}),
    }
    return render(request, "console/webhooks.html", context, status_code, NO_STORE)


@router.get("/console/webhooks", response_class=HTMLResponse)
async def webhooks_page(
    request: Request, principal: StaffAdmin, session: SessionDep
) -> HTMLResponse:
    """Webhook subscriptions on units you administer, and a form to add one."""
    return await _page(request, session, principal, await load_tree(session))


@router.post("/console/webhooks", response_class=HTMLResponse)
async def create_webhook_page(
    request: Request, principal: StaffAdmin, session: WriteSessionDep
) -> HTMLResponse:
    """Subscribe an endpoint; its signing secret is shown on this page only."""
    await check_csrf(request, principal)
    form, tree = await Form.read(request), await load_tree(session)
    unit = form.choice("unit", [v.node.code for v in units_with_role(tree, principal, "admin")])
    chosen = [e for e in form.getlist("events") if e in EVENTS]
    body = None
    try:
        body = SubscriptionIn.model_validate(
            {"url": form.get("url"), "unit": unit or "-", "events": chosen}
        )
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "url"
            form.fail(name, MSG_URL if name == "url" else MSG_EVENTS)
    if form.ok and body is not None:
        try:
            actor = actor_of(request, principal)
            made = await service.create_subscription(session, actor, principal, tree, body)
        except AppError as exc:
            form.fail("url", exc.detail)
        else:
            return await _page(request, session, principal, tree, {"issued": made.secret})
    extra = {"values": form.values(), "chosen": chosen, "errors": form.errors}
    return await _page(request, session, principal, tree, extra, 422)


@router.get("/console/webhooks/{sub_id}", response_class=HTMLResponse)
async def webhook_page(
    request: Request, sub_id: RowId, principal: StaffAdmin, session: SessionDep
) -> HTMLResponse:
    """A subscription and its delivery log (newest first), with redelivery."""
    tree = await load_tree(session)
    sub = await service.subscription_in_scope(session, principal, tree, sub_id)
    context = {
        "sub": service.out(sub, tree),
        "deliveries": await service.deliveries(session, sub),
        "event_labels": EVENT_LABELS,
        "delivery_status": DELIVERY_STATUS,
    }
    return render(request, "console/webhook.html", context, 200, NO_STORE)


@router.post("/console/webhooks/{sub_id}/deliveries/{delivery_id}/redeliver")
async def redeliver_page(
    request: Request,
    sub_id: RowId,
    delivery_id: BigRowId,
    principal: StaffAdmin,
    session: WriteSessionDep,
) -> Response:
    """Deliver again from the first attempt (the background worker sends it)."""
    await check_csrf(request, principal)
    sub = await service.subscription_in_scope(session, principal, await load_tree(session), sub_id)
    await service.redeliver(session, actor_of(request, principal), sub, delivery_id)
    return done(f"/console/webhooks/{sub_id}", "webhook-redeliver")


@router.post("/console/webhooks/{sub_id}/{action}")
async def switch_page(
    request: Request, sub_id: RowId, action: str, principal: StaffAdmin, session: WriteSessionDep
) -> Response:
    """Disable or enable a subscription."""
    await check_csrf(request, principal)
    if action not in ("disable", "enable"):
        raise NotFound(f"unknown action {action!r}")
    sub = await service.subscription_in_scope(session, principal, await load_tree(session), sub_id)
    actor = actor_of(request, principal)
    if action == "disable":
        await service.disable(session, actor, sub)
    else:
        await service.enable(session, actor, sub)
    return done(f"/console/webhooks/{sub_id}", f"webhook-{action}d")


@router.get("/console/alerts", response_class=HTMLResponse)
async def alerts_page(
    request: Request, principal: StaffManager, session: SessionDep
) -> HTMLResponse:
    """Which alert e-mails you get about your units."""
    prefs = await preferences(session, principal.id)
    context = {"prefs": prefs, "kinds": ALERT_KINDS, "labels": ALERT_LABELS}
    return render(request, "console/alerts.html", context, 200, NO_STORE)


@router.post("/console/alerts")
async def save_alerts_page(
    request: Request, principal: StaffManager, session: WriteSessionDep
) -> Response:
    """Save your alert settings (each checkbox on or off); audited."""
    await check_csrf(request, principal)
    form = await Form.read(request)
    changes = {k: form.get(k) == "1" for k in ("enabled", *ALERT_KINDS)}
    await change_preferences(session, actor_of(request, principal), principal.id, changes)
    return done("/console/alerts", "alerts-saved")
