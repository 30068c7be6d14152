"""X-Forwarded-For is believed only from SIPAS_TRUSTED_PROXIES (none by default), as
`sipas serve` runs the server: a spoofed header cannot get round the login throttle."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from app.auth.router import LOGIN_CSRF_COOKIE
from app.cli import server_config
from app.config import Settings
from app.main import create_app
from tests.auth_helpers import hidden

LIMIT = 3  # failures per client before the throttle answers 429


@contextmanager
def served(settings: Settings) -> Iterator[str]:
    """The app on a free port, configured exactly as `sipas serve` configures it."""
    config = server_config(create_app(settings), settings, "127.0.0.1", 0)
    config.log_level = "warning"
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def failed_sign_in(base: str, forwarded_for: str, n: int) -> int:
    with httpx.Client(base_url=base, timeout=60) as client:
        token = hidden(client.get("/login").text, "csrf_token")
        answer = client.post(
            "/login",
            data={"login": f"nobody{n}@x.vn", "password": "wrong-pass", "csrf_token": token},
            headers={"x-forwarded-for": forwarded_for, "cookie": f"{LOGIN_CSRF_COOKIE}={token}"},
        )
        return answer.status_code


def throttled(settings: Settings, trusted: str) -> Settings:
    return settings.model_copy(
        update={"trusted_proxies": trusted, "login_max_failures_per_client": LIMIT}
    )


async def test_by_default_a_spoofed_forwarded_for_does_not_escape_the_throttle(
    app: FastAPI, settings: Settings
):
    assert Settings().trusted_proxies == ""  # none by default
    with served(throttled(settings, "")) as base:
        statuses = [failed_sign_in(base, f"198.51.100.{n}", n) for n in range(LIMIT + 2)]
    assert statuses == [400] * LIMIT + [429, 429]


async def test_a_trusted_proxy_forwards_each_client_address(app: FastAPI, settings: Settings):
    with served(throttled(settings, "127.0.0.1")) as base:
        first = [failed_sign_in(base, "203.0.113.7", n) for n in range(LIMIT + 1)]
        other = failed_sign_in(base, "203.0.113.8", 99)
    assert first == [400] * LIMIT + [429]
    assert other == 400  # another client behind the same proxy is not locked out
