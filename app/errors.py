"""One family of typed errors, rendered as JSON for API clients and HTML for people."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.i18n import N_


class AppError(Exception):
    """A business outcome with an HTTP status; ``code`` is stable for API clients."""

    status_code = 400
    code = "bad_request"
    title = N_("Yêu cầu không hợp lệ")

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"
    title = N_("Cần đăng nhập")


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    title = N_("Không có quyền truy cập")


class PasswordChangeRequired(AppError):
    status_code = 403
    code = "password_change_required"
    title = N_("Cần đổi mật khẩu")


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    title = N_("Không tìm thấy")


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    title = N_("Xung đột dữ liệu")


class Unprocessable(AppError):
    """Well-formed but unusable input (e.g. an import with rejected rows); ``extra`` details it."""

    status_code = 422
    code = "unprocessable"
    title = N_("Dữ liệu không hợp lệ")


class Gone(AppError):
    status_code = 410
    code = "gone"
    title = N_("Không còn hiệu lực")


def wants_html(request: Request) -> bool:
    """API routes always answer JSON; pages answer HTML to browsers."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "") or request.method == "POST"


# Staff pages: their errors are shown inside the console's layout, with ways back.
STAFF_PREFIXES = ("/console", "/admin", "/account")
INVALID_FORM = N_(
    "Một số mục gửi lên bị thiếu hoặc không hợp lệ. Vui lòng quay lại, kiểm tra và gửi lại."
)


def came_from(request: Request) -> str | None:
    """The page the request came from (its Referer), as a path on this site; None when
    unknown, foreign, or the failing page itself."""
    parts = urlsplit(request.headers.get("referer", ""))
    if parts.netloc not in ("", request.url.netloc) or not parts.path.startswith("/"):
        return None
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return None if back.startswith("//") or (back == here and request.method == "GET") else back


def render_error(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str,
    extra: dict[str, Any] | None = None,
) -> Response:
    if wants_html(request):
        templates: Jinja2Templates = request.app.state.templates
        staff = request.url.path.startswith(STAFF_PREFIXES)
        return templates.TemplateResponse(
            request,
            "console/error.html" if staff else "error.html",
            {"status": status, "title": title, "detail": detail, "back": came_from(request)},
            status_code=status,
        )
    body = {"code": code, "message": detail, **(extra or {})}
    return JSONResponse({"error": body}, status_code=status)


STATUS_TEXT = {
    404: (
        "not_found",
        N_("Không tìm thấy trang"),
        N_("Không tìm thấy trang Ông/Bà cần. Xin Ông/Bà kiểm tra lại đường dẫn."),
    ),
    405: (
        "method_not_allowed",
        N_("Không thực hiện được"),
        N_("Trang này không nhận thao tác vừa rồi. Xin Ông/Bà quay lại trang trước."),
    ),
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        if isinstance(exc, NotAuthenticated):
            if wants_html(request):  # a person: to the sign-in page, then back here
                query = f"?{request.url.query}" if request.url.query else ""
                target = quote(request.url.path + query)
                return RedirectResponse(f"/login?next={target}", status_code=303)
            response = render_error(request, 401, exc.code, exc.title, exc.detail)
            response.headers["WWW-Authenticate"] = 'Bearer realm="sipas"'
            return response
        if isinstance(exc, PasswordChangeRequired) and wants_html(request):
            return RedirectResponse("/account/password", status_code=303)
        return render_error(request, exc.status_code, exc.code, exc.title, exc.detail, exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code, title, detail = STATUS_TEXT.get(
            exc.status_code, ("http_error", N_("Lỗi"), str(exc.detail))
        )
        return render_error(request, exc.status_code, code, title, detail)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        if wants_html(request):  # a person: a sentence, never the validator's report
            return render_error(request, 422, "invalid", N_("Dữ liệu không hợp lệ"), INVALID_FORM)
        errors = [
            {"loc": list(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()
        ]
        return JSONResponse(
            {"error": {"code": "invalid", "message": "invalid request", "fields": errors}},
            status_code=422,
        )
