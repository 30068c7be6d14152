"""Production over https only (or an explicit, loudly logged exception); Secure cookies and
HSTS whenever the public base URL is https."""

from __future__ import annotations

import logging

import httpx
import pytest

from app.auth.router import LOGIN_CSRF_COOKIE
from app.config import Settings
from app.main import create_app

SECRET = "x" * 40


def test_production_refuses_an_http_public_base_url():
    with pytest.raises(ValueError, match=r"SIPAS_PUBLIC_BASE_URL.*https://"):
        Settings(environment="production", secret_key=SECRET, public_base_url="http://sipas.vn")
    with pytest.raises(ValueError, match="SIPAS_PUBLIC_BASE_URL"):  # the default too
        Settings(environment="production", secret_key=SECRET)


def test_an_explicit_exception_starts_with_a_loud_warning(
    settings: Settings, caplog: pytest.LogCaptureFixture
):
    insecure = settings.model_copy(
        update={
            "environment": "production",
            "public_base_url": "http://10.1.2.3",
            "allow_insecure_http": True,
        }
    )
    with caplog.at_level(logging.WARNING, logger="sipas"):
        create_app(insecure)
    assert any("INSECURE" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("base", ["https://khaosat.example.vn", "http://127.0.0.1:8000"])
async def test_cookies_are_secure_and_hsts_is_sent_over_https(settings: Settings, base: str):
    app = create_app(settings.model_copy(update={"public_base_url": base}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base) as client:
        page = await client.get("/login")
    secure = base.startswith("https://")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{LOGIN_CSRF_COOKIE}=")
    assert ("secure" in cookie.lower().split("; ")) is secure
    assert ("strict-transport-security" in page.headers) is secure
