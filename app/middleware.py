"""Pure ASGI middleware (no per-request task overhead): request log, body limit, NUL refusal,
headers."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from app.worker.loop import Activity

log = logging.getLogger("sipas.request")
# An invitation's path holds its secret token: it never reaches the logs.
INVITATION_PATH = re.compile(r"^/t/[^/]+")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
)


class RequestLogMiddleware:
    """One line per request: method, path, status, duration (JSON when configured)."""

    def __init__(
        self, app: ASGIApp, json_format: bool = False, activity: Activity | None = None
    ) -> None:
        self.app = app
        self.json_format = json_format
        self.activity = activity

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.activity is not None:
            self.activity.begin()
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self._log(scope, status, (time.perf_counter() - start) * 1000)

    def _log(self, scope: Scope, status: int, ms: float) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        path = INVITATION_PATH.sub("/t/<token>", scope["path"])
        record: dict[str, Any] = {
            "method": scope["method"],
            "path": path,
            "status": status,
            "duration_ms": round(ms, 2),
        }
        if self.json_format:
            log.info(json.dumps(record))
        else:
            log.info("%s %s %s %.2fms", scope["method"], path, status, ms)


FEED_PATH = "/api/v1/dossiers"
# Paths that take file uploads: imports, evidence files of improvement plans, and the public
# verify page (a published file checked against its hash); and the dossier feed's batches.
UPLOAD_PATHS = ("/import", "/evidence", "/public/verify")


class BodyLimitMiddleware:
    """Refuse request bodies over ``limit`` bytes with 413, declared or streamed. File imports
    (paths ending in ``/import``: frames, lists of dossiers) and batches of the dossier feed
    (``FEED_PATH``) may send up to ``upload_limit``."""

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int | None = None) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit or limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        uploads = path.endswith(UPLOAD_PATHS) or path == FEED_PATH
        limit = self.upload_limit if uploads else self.limit
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await _too_large(send)


class NulRefusalMiddleware:
    """Refuse (400) a query string holding a NUL character: PostgreSQL text cannot hold it (a
    filter would fail inside the driver). A NUL in the path is left to the routes, whose
    lookups answer their own friendly 404 (or 422 from the database error handler)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and NUL_QUERY.search(scope.get("query_string", b"")):
            await _plain_error(send, 400, "Địa chỉ chứa ký tự không hợp lệ (400).")
            return
        await self.app(scope, receive, send)


NUL_QUERY = re.compile(rb"%00|\x00")


class BodyTooLarge(Exception):
    pass


async def _too_large(send: Send) -> None:
    await _plain_error(send, 413, "Dữ liệu gửi lên quá lớn (413).")


async def _plain_error(send: Send, status: int, text: str) -> None:
    """A short plain-text answer sent before the application sees the request."""
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# Staff pages, sign-in and the API (JSON, CSV, XLSX): personal and unpublished data that no
# browser or shared proxy may keep. Public pages set their own policy (the form: no-store,
# QR codes and static files: cacheable).
PRIVATE_PREFIXES = ("/api/", "/console", "/admin", "/account", "/login", "/logout")
NO_STORE = (b"cache-control", b"no-store")


class SecurityHeadersMiddleware:
    """CSP without inline scripts, no framing (except the public form, for configured kiosk
    origins), nosniff, a strict referrer policy, HSTS when served over https, and
    ``Cache-Control: no-store`` on staff pages and the API unless the route chose a policy."""

    def __init__(
        self,
        app: ASGIApp,
        hsts: bool = False,
        kiosk_frame_ancestors: str | None = None,
        embed_frame_ancestors: str | None = None,
    ) -> None:
        self.app = app
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]
        if hsts:
            common.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self.headers = [
            *common,
            (b"x-frame-options", b"DENY"),
            (b"content-security-policy", CSP.format(ancestors="'none'").encode()),
        ]
        # ReDoc (/redoc) styles its page through inline <style> elements: styles, not scripts,
        # are let through there; /docs (Swagger UI) needs nothing beyond 'self'.
        redoc_csp = CSP.format(ancestors="'none'").replace(
            "style-src 'self'", "style-src 'self' 'unsafe-inline'"
        )
        self.redoc_headers = [*self.headers[:-1], (b"content-security-policy", redoc_csp.encode())]
        self.kiosk_headers = self.headers
        if kiosk_frame_ancestors:
            ancestors = CSP.format(ancestors=kiosk_frame_ancestors).encode()
            self.kiosk_headers = [*common, (b"content-security-policy", ancestors)]
        # The public results widget (/public/{round}/embed): framed by the provincial portal.
        self.embed_headers = self.headers
        if embed_frame_ancestors:
            ancestors = CSP.format(ancestors=embed_frame_ancestors).encode()
            self.embed_headers = [*common, (b"content-security-policy", ancestors)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        path = scope["path"]
        extra = self.kiosk_headers if path.startswith(("/s/", "/t/")) else self.headers
        private = path.startswith(PRIVATE_PREFIXES)
        if path == "/redoc":
            extra = self.redoc_headers
        elif path.startswith("/public/") and path.endswith("/embed"):
            extra = self.embed_headers

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *extra]
                if private and not any(name == b"cache-control" for name, _ in headers):
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)
