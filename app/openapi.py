"""The OpenAPI document as the app really answers: who may call each operation (security
schemes, so Swagger's "Authorize" works), every error status it can return with the error
envelope's schema, and the media types of files and pages.

Derived from the routes' access classification (app/auth/access.py), so a new route is
described the same way without anything to remember; only downloads are listed here.
Checked by schemathesis in tests/fuzz/test_openapi.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

from app.auth.access import SESSION_COOKIE, AccessRule, classified_routes

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "apiKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (console: Khoá API), read-only, scoped to a unit.",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "A staff member's session, set by signing in at /login.",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "The session's CSRF token (shown on staff pages); required on writes.",
    },
}
CSV = {"text/csv": {"schema": {"type": "string"}}}
XLSX = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    }
}
# Operations that answer a file rather than JSON: their media types on success (any other
# path ending in .csv answers CSV).
DOWNLOADS: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/api/v1/audit.csv"): CSV,
    ("get", "/api/v1/responses.csv"): CSV,
    ("get", "/api/v1/rounds/{round_code}/satisfaction/export"): {**CSV, **XLSX},
    ("get", "/api/v1/rounds/{round_code}/ranking/export"): {**CSV, **XLSX},
    ("get", "/s/{unit_code}/qr.{fmt}"): {
        "image/svg+xml": {"schema": {"type": "string"}},
        "image/png": {"schema": {"type": "string", "format": "binary"}},
    },
}
HTML = {"text/html": {"schema": {"type": "string"}}}
PLAIN = {"text/plain": {"schema": {"type": "string"}}}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
STATUS_TEXT = {
    400: "Refused: the request cannot be carried out as sent",
    401: "Not signed in, or the API key is missing, invalid, expired or revoked",
    403: "Signed in, but without the role, the unit scope or the CSRF token this needs",
    404: "A round, unit, form or record named in the request does not exist",
    409: "Conflicts with the current state (e.g. a frozen round, a duplicate)",
    413: "The request body is too large",
    422: "The request's parameters or body are invalid",
}


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, a message, and details for some codes."""

    model_config = ConfigDict(extra="allow")
    code: str = Field(description="stable, e.g. not_found, forbidden, invalid, conflict")
    message: str


class Error(BaseModel):
    """The body of every error answered as JSON."""

    error: ErrorDetail


def install_openapi(app: FastAPI) -> None:
    """Serve the corrected document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def describe(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, then security, error answers and media types per operation."""
    doc = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = doc.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    schemas = components.setdefault("schemas", {})
    error = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error.pop("$defs"), Error=error)  # ErrorDetail beside Error
    rules = _rules(app)
    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            rule = rules.get((method, path))
            _describe_operation(method, path, operation, rule)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return doc


def _rules(app: FastAPI) -> dict[tuple[str, str], AccessRule | None]:
    """(method, path) -> who may call it, as the routes declare."""
    return {
        (method.lower(), path): rule
        for path, methods, rule in classified_routes(app)
        for method in methods
    }


def _describe_operation(
    method: str, path: str, operation: dict[str, Any], rule: AccessRule | None
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    operation["security"] = _security(method, rule)
    page = not path.startswith("/api/")
    download = DOWNLOADS.get((method, path)) or (CSV if path.endswith(".csv") else None)
    if download is not None and "200" in responses:
        responses["200"]["content"] = download
    statuses = _error_statuses(method, operation, rule)
    for status in statuses:
        _error_answer(responses, status, page)
    if "requestBody" in operation:
        responses["413"] = {"description": STATUS_TEXT[413], "content": PLAIN}


def _security(method: str, rule: AccessRule | None) -> list[dict[str, list[str]]]:
    """Alternatives (any one suffices); a staff write needs the session and its CSRF token."""
    if rule is None or rule.kind == "public":
        return []
    if rule.kind == "api":
        return [{"apiKey": []}, {"session": []}]
    return [{"session": []}] if method == "get" else [{"session": [], "csrf": []}]


def _error_statuses(method: str, operation: dict[str, Any], rule: AccessRule | None) -> list[int]:
    """The error statuses an operation can answer, from what it takes and who may call it."""
    takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
    statuses = [422] if takes_input else []
    if takes_input:
        statuses += [400, 404]
    if rule is not None and rule.kind != "public":
        statuses += [401, 403]
    if method != "get" and takes_input:
        statuses.append(409)
    return sorted(statuses)


def _error_answer(responses: dict[str, Any], status: int, page: bool) -> None:
    """The error envelope (JSON; pages answer people in HTML), or alongside a body the
    operation already declares for that status (an import's rejected rows)."""
    content: dict[str, Any] = {"application/json": {"schema": ERROR_REF}}
    declared = responses.get(str(status), {}).get("content", {}).get("application/json")
    schema = (declared or {}).get("schema", {})
    if declared and schema.get("$ref", "").rsplit("/", 1)[-1] != "HTTPValidationError":
        content["application/json"] = {"schema": {"anyOf": [schema, ERROR_REF]}}
    if page:
        content.update(HTML)
    if status == 400:  # a NUL in the address is refused in plain text, before routing
        content.update(PLAIN)
    description = responses.get(str(status), {}).get("description") or STATUS_TEXT[status]
    if description == "Validation Error":
        description = STATUS_TEXT[status]
    responses[str(status)] = {"description": description, "content": content}
