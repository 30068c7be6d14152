"""Hostile or odd input is refused with a 4xx, never a 500: huge ids in paths and queries,
bodies that are not UTF-8, NUL characters (PostgreSQL text cannot hold them)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.params import Path, Query
from fastapi.routing import APIRoute

from app.auth.access import _effective_routes
from app.payload import INT64_MAX
from tests.auth_helpers import csrf_of, sign_in
from tests.comment_factories import comment_of, respond
from tests.factories import make_province, make_user

HUGE = ["3000000000", "99999999999999999999", "-9223372036854775809"]
# Values for the string parameters of a path (everything else in a path is an int id).
PATH_STRINGS = {"round_code": "R2026", "unit_code": "C11"}
ACTIONS = {"/api/v1/responses": "exclude", "/console/responses": "exclude"}


def int_parameters(app: FastAPI) -> Iterator[tuple[str, str, str, str, object]]:
    """(method, path, where, name, field_info) of every int path or query parameter."""
    for route in _effective_routes(app):
        original = getattr(route, "original_route", route)
        if not isinstance(original, APIRoute):
            continue
        stack = [original.dependant]
        while stack:
            dependant = stack.pop()
            stack.extend(dependant.dependencies)
            located = [("path", p) for p in dependant.path_params]
            located += [("query", p) for p in dependant.query_params]
            for where, param in located:
                if "int" in str(param.field_info.annotation):
                    for method in sorted(original.methods - {"HEAD"}):
                        yield method, original.path, where, param.name, param.field_info


def bound(field_info: object, kind: str) -> int | None:
    for item in getattr(field_info, "metadata", []):
        if hasattr(item, kind):
            return int(getattr(item, kind))
    return None


async def test_every_int_parameter_is_bounded_to_a_database_integer(app: FastAPI):
    found = list(int_parameters(app))
    assert len(found) > 20, found  # the listing itself works
    unbounded = [
        (method, path, name)
        for method, path, _, name, info in found
        if (bound(info, "le") or INT64_MAX + 1) > INT64_MAX or bound(info, "ge") is None
    ]
    assert not unbounded, f"give these an ge/le bound (app/payload.py RowId): {unbounded}"
    kinds = {type(info) for *_, info in found}
    assert kinds <= {Path, Query}, kinds


def example_url(path: str, name: str, where: str, value: str) -> str:
    """``path`` with its parameters filled in, ``name`` (path or query) set to ``value``."""

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == name:
            return value
        if key == "action":
            return ACTIONS.get(path.split("/{")[0], "assign")
        return PATH_STRINGS.get(key, "1")

    url = re.sub(r"\{(\w+)\}", fill, path)
    return f"{url}?{name}={value}" if where == "query" else url


async def test_huge_integers_in_paths_and_queries_are_refused_not_500(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    await comment_of(app, await respond(app, province, "C11", "Góp ý"))
    await make_user(app, "root@x.vn", superadmin=True)
    await sign_in(client, "root@x.vn")
    headers = {"accept": "application/json", "x-csrf-token": await csrf_of(client)}
    tried = 0
    for method, path, where, name, _ in int_parameters(app):
        for value in HUGE:
            url = example_url(path, name, where, value)
            answer = await client.request(method, url, headers=headers, json={})
            assert answer.status_code < 500, (method, url, answer.status_code, answer.text[:200])
            tried += 1
    assert tried > 60


@pytest.mark.parametrize("path", ["/api/v1/responses/{r}/exclude", "/api/v1/comments/{c}/assign"])
async def test_a_body_that_is_not_utf8_is_a_json_422(
    app: FastAPI, client: httpx.AsyncClient, path: str
):
    province = await make_province(app)
    response = await respond(app, province, "C11", "Góp ý")
    comment = await comment_of(app, response)
    await make_user(app, "root@x.vn", superadmin=True)
    await sign_in(client, "root@x.vn")
    headers = {"content-type": "application/json", "x-csrf-token": await csrf_of(client)}
    for body in (b"\xd3\x01", b'{"reason": "\xff\xfe"}'):
        url = path.format(r=response, c=comment)
        answer = await client.post(url, content=body, headers=headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "invalid"


async def test_a_nul_character_in_the_sign_in_name_is_a_clear_refusal(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_user(app, "a@x.vn", [])
    answer = await sign_in(client, "a@x.vn\x00")
    assert answer.status_code == 400, answer.text
    assert "không hợp lệ" in answer.text or "không đúng" in answer.text


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/rounds/R2026/satisfaction?unit=C%0011", 400),
        ("/api/v1/responses?round=R%00", 400),
        ("/console/responses?unit=%00", 400),
        ("/api/v1/rounds/R%00/satisfaction?unit=C11", None),  # in the path: the route's 4xx
        ("/s/C%0011", None),
        ("/t/%00%ff", None),
    ],
)
async def test_a_nul_character_in_a_path_or_query_is_a_4xx(
    app: FastAPI, client: httpx.AsyncClient, url: str, status: int | None
):
    await make_province(app)
    await make_user(app, "root@x.vn", superadmin=True)
    await sign_in(client, "root@x.vn")
    for method in ("GET", "POST"):
        answer = await client.request(method, url, headers={"accept": "application/json"})
        if status is not None:
            assert answer.status_code == status, (method, answer.text)
        assert 400 <= answer.status_code < 500, (method, answer.status_code, answer.text[:200])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/responses/{r}/exclude", {"reason": "a\x00b"}),
        ("/api/v1/comments/{c}/reply", {"reply": "a\x00b"}),
    ],
)
async def test_a_nul_character_in_a_json_field_is_a_422(
    app: FastAPI, client: httpx.AsyncClient, path: str, body: dict[str, str]
):
    province = await make_province(app)
    response = await respond(app, province, "C11", "Góp ý")
    comment = await comment_of(app, response)
    await make_user(app, "root@x.vn", superadmin=True)
    await sign_in(client, "root@x.vn")
    headers = {"x-csrf-token": await csrf_of(client)}
    answer = await client.post(path.format(r=response, c=comment), json=body, headers=headers)
    assert answer.status_code == 422, answer.text


async def test_a_huge_integer_in_a_json_body_is_refused_not_500(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    comment = await comment_of(app, await respond(app, province, "C11", "Góp ý"))
    await make_user(app, "root@x.vn", superadmin=True)
    await sign_in(client, "root@x.vn")
    headers = {"x-csrf-token": await csrf_of(client)}
    for value in (3000000000, 99999999999999999999):
        body = {"assignee_id": value}
        answer = await client.post(f"/api/v1/comments/{comment}/assign", json=body, headers=headers)
        assert 400 <= answer.status_code < 500, answer.text
