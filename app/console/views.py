"""What every console page shares: the signed-in user, the navigation, one-line notices after
a change (``?done=<code>``, never free text from the URL), labels, and rendering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from app.console import labels
from app.console.charts import Bar, Point, bar_chart, trend_chart
from app.console.nav import active, allowed
from app.console.rejections import reason_message
from app.i18n import DEFAULT_LANG, N_, format_number

DONE: dict[str, str] = {
    "unit-created": N_("Đã tạo đơn vị."),
    "unit-saved": N_("Đã lưu thay đổi của đơn vị."),
    "units-imported": N_("Đã nhập các đơn vị từ tệp."),
    "units-merged": N_("Đã sáp nhập đơn vị."),
    "unit-split": N_("Đã ghi nhận việc chia tách đơn vị."),
    "unit-transfer": N_("Đã ghi nhận việc điều chuyển một phần đơn vị."),
    "unit-rename": N_("Đã ghi nhận việc đổi tên đơn vị."),
    "unit-relevel": N_("Đã ghi nhận việc đổi cấp đơn vị."),
    "unit-move": N_("Đã ghi nhận việc chuyển đơn vị sang đơn vị cấp trên khác."),
    "unit-dissolve": N_("Đã ghi nhận việc giải thể đơn vị."),
    "round-created": N_("Đã tạo đợt khảo sát (trạng thái nháp)."),
    "round-status": N_("Đã cập nhật trạng thái đợt khảo sát."),
    "round-edited": N_("Đã lưu tên và thời gian của đợt khảo sát."),
    "round-inference": N_("Đã lưu phương pháp ước lượng của đợt khảo sát."),
    "key-revoked": N_("Đã thu hồi khóa API."),
    "password-reset": N_("Đã đặt lại mật khẩu."),
    "user-created": N_("Đã tạo tài khoản. Người dùng phải đổi mật khẩu khi đăng nhập lần đầu."),
    "role-granted": N_("Đã cấp quyền."),
    "role-revoked": N_("Đã thu hồi quyền."),
    "user-deactivated": N_("Đã khóa tài khoản: không đăng nhập được nữa."),
    "user-reactivated": N_("Đã mở khóa tài khoản."),
    "volumes-imported": N_("Đã nhập lượng giao dịch."),
    "dossiers-imported": N_("Đã nhập danh sách hồ sơ."),
    "plan-computed": N_("Đã lập kế hoạch mẫu (phiên bản mới)."),
    "invitations-requested": N_(
        "Đã ghi nhận yêu cầu gửi thư mời. Hệ thống sẽ gửi trong nền, ngoài giờ yên lặng; "
        "kết quả hiện ở bảng bên dưới."
    ),
    "draw-created": N_("Đã rút mẫu. Hạt giống được lưu để ai cũng rút lại được đúng mẫu này."),
    "quotas-saved": N_("Đã lưu số phiếu cần thu."),
    "weights-computed": N_("Đã tính bộ trọng số."),
    "weights-unchanged": N_("Tham số và phiếu không đổi: dùng lại bộ trọng số đã tính."),
    "weights-activated": N_("Các chỉ số của đợt từ nay dùng bộ trọng số này."),
    "targets-saved": N_("Đã lưu chỉ tiêu và mức xếp loại của đợt."),
    "reviewed": N_("Đã ghi quyết định xem xét phiếu."),
    "round-frozen": N_("Đã chốt và công bố số liệu thành một phiên bản mới."),
    "freeze-unchanged": N_("Số liệu không thay đổi: giữ phiên bản đã công bố gần nhất."),
    "freeze-queued": N_("Đang chốt số liệu ở chế độ nền; trang này tự cập nhật tiến độ."),
    "publish-queued": N_(
        "Đang công khai phiên bản ở chế độ nền (tạo tệp dữ liệu mở); trang này tự cập nhật."
    ),
    "revision-public": N_("Phiên bản đã được công khai: trang kết quả và dữ liệu mở đã mở."),
    "revision-withdrawn": N_("Đã thôi công khai phiên bản này."),
    "webhook-redeliver": N_("Đã xếp lại lần gửi: hệ thống sẽ gửi trong giây lát."),
    "webhook-disabled": N_("Đã tắt đăng ký webhook: không gửi gì cho tới khi bật lại."),
    "webhook-enabled": N_("Đã bật lại đăng ký webhook: các lần gửi đang chờ sẽ tiếp tục."),
    "alerts-saved": N_("Đã lưu cài đặt thông báo."),
}
ROUND_STATUS: dict[str, str] = {
    "draft": N_("Nháp"),
    "open": N_("Đang mở"),
    "closed": N_("Đã đóng"),
    "published": N_("Đã công bố"),
}
ROLE_LABELS: dict[str, str] = {
    "viewer": N_("Xem"),
    "manager": N_("Quản lý"),
    "admin": N_("Quản trị"),
}


def console_context(request: Request) -> dict[str, Any]:
    """Added to every page: ``principal`` (or None), ``nav``, ``nav_active``, ``done``, and
    ``zone`` (the deployment's time zone, for ``| moment(zone)``)."""
    principal = getattr(request.state, "principal", None)
    items = allowed(request.app.state.nav, principal)
    return {
        "zone": ZoneInfo(request.app.state.settings.timezone),
        "principal": principal,
        "nav": items,
        "nav_active": active(items, request.url.path),
        "done": DONE.get(request.query_params.get("done", "")),
    }


def _percent(context: Context) -> Callable[[float], str]:
    lang = context.get("lang") or DEFAULT_LANG
    return lambda value: format_number(value, lang, 1)


@pass_context
def _bar_chart(context: Context, bars: list[Bar], title: str, ident: str, desc: str) -> Markup:
    return bar_chart(bars, title, ident, desc, _percent(context))


@pass_context
def _trend_chart(
    context: Context, points: list[Point], title: str, ident: str, desc: str
) -> Markup:
    return trend_chart(points, title, ident, desc, _percent(context))


def install(templates: Jinja2Templates) -> None:
    templates.context_processors.append(console_context)
    templates.env.globals.update(
        round_status=ROUND_STATUS,
        role_labels=ROLE_LABELS,
        bar_chart=_bar_chart,
        trend_chart=_trend_chart,
    )
    templates.env.filters["explain"] = reason_message  # a service's wording, then ``| tr``
    labels.install(templates)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request, name, context or {}, status_code=status_code, headers=headers
    )


def done(url: str, code: str) -> RedirectResponse:
    """After a change: back to a page, which shows the notice ``DONE[code]``."""
    assert code in DONE, code
    joiner = "&" if "?" in url else "?"
    return RedirectResponse(f"{url}{joiner}done={code}", status_code=303)
