"""The OpenAPI document says who may call each operation, every error it can answer, and the
media types of downloads; bodies the app really sends validate against it."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema_rs
from fastapi import FastAPI

from app.openapi import DOWNLOADS
from tests.factories import CRITERIA, make_province
from tests.reporting.helpers import staff_client


def operation(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = app.openapi()["paths"][path][method]
    return found


def holds(app: FastAPI, schema: dict[str, Any], body: Any) -> bool:
    """Whether ``body`` validates against ``schema`` (its $refs into the document resolved)."""
    root = {**schema, "components": app.openapi()["components"]}
    return bool(jsonschema_rs.validator_for(root).is_valid(body))


async def test_security_schemes_make_authorize_work(app: FastAPI) -> None:
    schemes = app.openapi()["components"]["securitySchemes"]
    assert schemes["apiKey"] == {**schemes["apiKey"], "type": "http", "scheme": "bearer"}
    assert (schemes["session"]["in"], schemes["session"]["name"]) == ("cookie", "sipas_session")
    assert (schemes["csrf"]["in"], schemes["csrf"]["name"]) == ("header", "X-CSRF-Token")
    read = operation(app, "get", "/api/v1/rounds/{round_code}/satisfaction")
    assert read["security"] == [{"apiKey": []}, {"session": []}]
    write = operation(app, "put", "/api/v1/rounds/{round_code}/bands")
    assert write["security"] == [{"session": [], "csrf": []}]
    assert operation(app, "get", "/healthz")["security"] == []


async def test_error_answers_are_declared_where_they_occur(app: FastAPI) -> None:
    detail = operation(app, "get", "/api/v1/responses/{response_id}")["responses"]
    assert {"200", "401", "403", "404", "422"} <= set(detail)
    assert "409" not in detail  # a read conflicts with nothing
    change = operation(app, "post", "/api/v1/responses/{response_id}/{action}")["responses"]
    assert {"401", "403", "404", "409", "413", "422"} <= set(change)
    error = {"$ref": "#/components/schemas/Error"}
    assert change["404"]["content"]["application/json"]["schema"] == error
    form = operation(app, "get", "/s/{unit_code}")["responses"]
    assert "text/html" in form["404"]["content"]  # citizens get a page
    assert "401" not in form


async def test_downloads_declare_their_media_types(app: FastAPI) -> None:
    for (method, path), media in DOWNLOADS.items():  # every listed download exists
        assert operation(app, method, path)["responses"]["200"]["content"] == media
    export = operation(app, "get", "/api/v1/rounds/{round_code}/ranking/export")
    assert set(export["responses"]["200"]["content"]) == {
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    audit = operation(app, "get", "/api/v1/audit.csv")["responses"]["200"]["content"]
    assert list(audit) == ["text/csv"]


async def test_import_422_bodies_match_the_declared_schema(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await make_province(app)
    await staff_client(app, client, "admin@example.vn", [("admin", "P")])
    path = "/api/v1/rounds/{round_code}/responses/import"
    declared = operation(app, "post", path)["responses"]["422"]["content"]["application/json"]
    header = ",".join(["unit", "submitted_at", "channel", "field", *CRITERIA])
    bad_row = ",".join(["C11", "2026-01-01", "paper", "land", *["9"] * len(CRITERIA)])
    files = {"file": ("r.csv", f"{header}\n{bad_row}\n".encode(), "text/csv")}
    rejected = await client.post("/api/v1/rounds/R2026/responses/import", files=files)
    no_file = await client.post("/api/v1/rounds/R2026/responses/import")
    assert (rejected.status_code, no_file.status_code) == (422, 422)
    assert rejected.json()["error_count"] >= 1 and "error" in no_file.json()
    for answer in (rejected, no_file):
        assert holds(app, declared["schema"], answer.json()), answer.text
    assert not holds(app, declared["schema"], {"detail": "anything"})


async def test_audit_refuses_a_bare_number_as_a_moment(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await make_province(app)
    await staff_client(app, client, "admin@example.vn", [("admin", "P")])
    for query in ("until=0.5", "since=1700000000", "until=1e9"):
        refused = await client.get(f"/api/v1/audit?{query}")
        assert refused.status_code == 422, query
        assert refused.json()["error"]["code"] == "invalid"
    fine = await client.get("/api/v1/audit?until=2026-12-07T08:00:00%2B07:00&since=2026-01-01")
    assert fine.status_code == 200, fine.text
