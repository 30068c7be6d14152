"""Signing in through the real pages, as a browser would."""

from __future__ import annotations

import re

import httpx

from tests.factories import PASSWORD


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, login: str, password: str = PASSWORD
) -> httpx.Response:
    page = await client.get("/login")
    token = hidden(page.text, "csrf_token")
    return await client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": token, "next": "/account"},
    )


async def csrf_of(client: httpx.AsyncClient) -> str:
    """The session's CSRF token, read from a staff page."""
    page = await client.get("/account/password")
    return hidden(page.text, "csrf_token")
