"""One family of typed errors, rendered as JSON for API clients and HTML for people."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app.database_errors import DATABASE_ERRORS, database_unavailable, invalid_data
from app.i18n import N_

log = logging.getLogger("sipas.errors")


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


class Unavailable(AppError):
    """The database cannot be reached or is busy: try again shortly (with ``Retry-After``)."""

    status_code = 503
    code = "unavailable"
    title = N_("Hệ thống tạm thời gián đoạn")


MSG_UNAVAILABLE = N_("Hệ thống đang tạm thời gián đoạn. Vui lòng thử lại sau ít phút.")
RETRY_AFTER_SECONDS = 5
MSG_INVALID_VALUE = N_("Dữ liệu gửi lên có giá trị không hợp lệ (ký tự NUL hoặc số quá lớn).")


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

    for kind in DATABASE_ERRORS:
        app.add_exception_handler(kind, _database_error)

    @app.exception_handler(ClientDisconnect)
    async def _client_gone(request: Request, exc: ClientDisconnect) -> Response:
        # A phone that lost its signal mid-upload: nothing was stored and nobody is left to
        # answer (nginx logs such requests as 499); not a server error.
        log.info("client disconnected before its request was read: %s", request.url.path)
        return Response(status_code=400)

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


async def _database_error(request: Request, exc: Exception) -> Response:
    """An unreachable or busy database: 503 with ``Retry-After``; a value the database cannot
    hold: 422; anything else is a bug (re-raised: 500)."""
    if database_unavailable(exc):
        log.warning("database unavailable: %s %s: %r", request.method, request.url.path, exc)
        return unavailable_response(request)
    if invalid_data(exc):
        return render_error(request, 422, "invalid", N_("Dữ liệu không hợp lệ"), MSG_INVALID_VALUE)
    raise exc


def unavailable_response(request: Request) -> Response:
    """The 503 answer: a page or JSON, telling the client when to try again."""
    response = render_error(request, 503, Unavailable.code, Unavailable.title, MSG_UNAVAILABLE)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
