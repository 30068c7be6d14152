"""Operations: probes, request log, security headers, start-up refusals, settings."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import Database, async_url
from app.forms.loader import FormFileError
from app.main import create_app
from app.migrate import head_revision


async def test_healthz_and_readyz(client: httpx.AsyncClient):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


async def test_readyz_reports_a_schema_behind_head(app: FastAPI, client: httpx.AsyncClient):
    async with app.state.db.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    try:
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "migrating"
    finally:
        async with app.state.db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()}
            )


async def test_readyz_reports_an_unreachable_database(settings: Settings):
    settings = settings.model_copy(
        update={"database_url": "postgresql://nobody@127.0.0.1:1/none", "log_level": "ERROR"}
    )
    app = create_app(settings)  # no lifespan: the database is never reached at start
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"


async def test_one_json_log_line_per_request(settings: Settings, caplog: pytest.LogCaptureFixture):
    app = create_app(settings.model_copy(update={"log_format": "json"}))
    transport = httpx.ASGITransport(app=app)
    with caplog.at_level(logging.INFO, logger="sipas.request"):
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.get("/healthz")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "sipas.request"]
    assert len(lines) == 1
    assert lines[0]["method"] == "GET" and lines[0]["path"] == "/healthz"
    assert lines[0]["status"] == 200 and lines[0]["duration_ms"] >= 0


async def test_security_headers(client: httpx.AsyncClient):
    answer = await client.get("/healthz")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert "unsafe-inline" not in answer.headers["content-security-policy"]
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_invalid_instrument_stops_start_up(settings: Settings, tmp_path: Path, forms_dir: Path):
    source = (forms_dir / "one-stop-counter.yaml").read_text()
    broken = source.replace("code: ACC2", "code: ACC1", 1)
    (tmp_path / "broken.yaml").write_text(broken)
    with pytest.raises(FormFileError, match=r"broken\.yaml.*(?i:duplicate).*ACC1"):
        create_app(settings.model_copy(update={"forms_dir": tmp_path}))


@pytest.mark.parametrize("environment", ["production", "test"])
def test_outside_development_a_placeholder_secret_is_refused(environment: str):
    with pytest.raises(ValueError, match="SIPAS_SECRET_KEY"):
        Settings(environment=environment, secret_key="change-me")
    with pytest.raises(ValueError, match="SIPAS_SECRET_KEY"):
        Settings(environment=environment, secret_key="short")
    https = "https://khaosat.example.vn"
    production = Settings(environment="production", secret_key="x" * 40, public_base_url=https)
    assert production.secret_key == "x" * 40


def test_plain_database_urls_get_async_drivers():
    assert async_url("postgresql://u@h/db").drivername == "postgresql+asyncpg"
    assert async_url("sqlite:///var/x.db").drivername == "sqlite+aiosqlite"
    assert async_url("postgresql+asyncpg://u@h/db").drivername == "postgresql+asyncpg"
    with pytest.raises(ValueError, match="unsupported"):
        async_url("mysql://u@h/db")


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(app: FastAPI, is_postgres: bool):
    if is_postgres:
        pytest.skip("SQLite pragmas")
    async with app.state.db.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1


async def test_the_submission_pool_uses_the_engines_connection_options(
    settings: Settings, is_postgres: bool
):
    """PostgreSQL stores submissions through a plain asyncpg pool built from the same URL;
    options that only SQLAlchemy's adapter reads are not passed on to it."""
    if not is_postgres:
        pytest.skip("PostgreSQL: the submission pool")
    url = make_url(settings.database_url)
    cached = url.update_query_dict({"prepared_statement_cache_size": "50"})
    options = {"database_url": cached.render_as_string(hide_password=False)}
    db = Database(settings.model_copy(update={**options, "collect_pool_size": 2}))
    try:
        pool = await db.driver_pool()
        assert pool is await db.driver_pool() and pool.get_max_size() == 2
        async with pool.acquire() as connection:
            assert await connection.fetchval("SELECT current_database()") == url.database
    finally:
        await db.dispose()


async def test_hsts_over_https_and_kiosk_framing_only_for_the_public_form(settings: Settings):
    app = create_app(settings.model_copy(update={"kiosk_frame_ancestors": "https://kiosk.vn"}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://t") as client:
        probe = await client.get("/healthz")
        public = await client.get("/s/ANY")  # 404 page, but the framing rule is per path
    assert probe.headers["strict-transport-security"].startswith("max-age=")
    assert "frame-ancestors 'none'" in probe.headers["content-security-policy"]
    assert probe.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors https://kiosk.vn" in public.headers["content-security-policy"]
    assert "x-frame-options" not in public.headers
