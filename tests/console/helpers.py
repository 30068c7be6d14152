"""Signed-in clients for console tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from tests.auth_helpers import csrf_of, sign_in
from tests.factories import make_user

HTML = {"accept": "text/html"}


@asynccontextmanager
async def staff_client(
    app: FastAPI,
    email: str,
    grants: list[tuple[str, str]] = (),
    superadmin: bool = False,  # type: ignore[assignment]
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client signed in as a new user with these grants, and its CSRF token."""
    await make_user(app, email, grants, superadmin=superadmin)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        answer = await sign_in(client, email)
        assert answer.status_code == 303, answer.text
        yield client, await csrf_of(client)
