"""Staff pages and API answers are never stored by browsers or proxies; public assets keep
their own caching."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.auth_helpers import sign_in
from tests.factories import bearer, make_key, make_province, make_user

HTML = {"accept": "text/html"}


async def test_staff_pages_and_api_answers_are_no_store(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    key = await make_key(app, "P")
    api = await client.get("/api/v1/rounds", headers=bearer(key))
    csv = await client.get("/api/v1/audit.csv", headers=bearer(key))
    refused = await client.get("/api/v1/rounds")
    login = await client.get("/login", headers=HTML)
    await make_user(app, "a@x.vn", [("admin", "P")])
    await sign_in(client, "a@x.vn")
    console = await client.get("/console", headers=HTML, follow_redirects=True)
    users = await client.get("/admin/users", headers=HTML)
    for answer in (api, csv, refused, login, console, users):
        assert answer.headers.get("cache-control") == "no-store", (answer.url, answer.headers)
    assert api.status_code == 200 and console.status_code == 200


async def test_public_pages_keep_their_own_caching(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    form = await client.get("/s/C11", headers=HTML)
    qr = await client.get("/s/C11/qr.svg")
    css = await client.get("/static/form.css")
    assert form.headers["cache-control"] == "no-store"  # set by the form itself
    assert qr.headers["cache-control"] == "public, max-age=3600"
    assert "no-store" not in css.headers.get("cache-control", "")
