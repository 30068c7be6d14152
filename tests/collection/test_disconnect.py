"""A phone that loses its signal while sending its answers: nothing is stored, nothing is
logged as a server error, and the server goes on serving."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from sqlalchemy import func, select

from app.models import Response
from tests.conftest import LiveServer
from tests.factories import make_province


async def test_a_body_cut_short_stores_nothing_and_is_no_server_error(
    app, live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    await make_province(app)
    _, writer = await asyncio.open_connection("127.0.0.1", live_server.port)
    writer.write(
        b"POST /s/C11 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n"
        b"sid=abc&ACC1=4"  # a fraction of the announced body, then the connection drops
    )
    await writer.drain()
    await asyncio.sleep(0.3)
    writer.close()
    await writer.wait_closed()
    await asyncio.sleep(0.5)

    async with httpx.AsyncClient(base_url=live_server.url) as client:
        assert (await client.get("/s/C11")).status_code == 200
    async with app.state.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Response)) == 0
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
