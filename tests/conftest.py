"""Fixtures: one real database per run (SQLite file or PostgreSQL), schema from migrations.

Choose the backend with SIPAS_TEST_DATABASE_URL, e.g.
``postgresql://postgres@127.0.0.1:5432/test``; the default is a SQLite file in a temp dir.
Each test starts from empty tables (the app commits its own transactions, as in production,
so tests clean up by truncating rather than by rolling back).
"""

from __future__ import annotations

import inspect
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from app.cli import KEEP_ALIVE_SECONDS
from app.config import Settings
from app.db import Database
from app.main import create_app, renew_state
from app.migrate import upgrade
from app.models import Base


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Run every ``async def`` test under anyio (asyncio) without marking each one."""
    if collector.funcnamefilter(name) and inspect.iscoroutinefunction(obj):
        pytest.mark.anyio(obj)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("SIPAS_TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'sipas-test.db'}"
    if make_url(url).get_backend_name() == "postgresql":
        _reset_postgres(url)
    upgrade(url)
    yield url


def _reset_postgres(url: str) -> None:
    """Start from an empty public schema so that migrations run from scratch."""
    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine

    from app.db import async_url

    async def reset() -> None:
        engine = create_async_engine(async_url(url))
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(reset())


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        public_base_url="https://khaosat.example.vn",
        log_level="WARNING",
        # Tests rebuild units and rounds between cases; the cache has its own tests.
        counter_cache_seconds=0,
        # The background worker has its own tests (tests/worker/); elsewhere reports and
        # comment pages catch up inside the request, so each test sees its own writes.
        worker=False,
    )


async def _truncate(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            await conn.execute(text(_EMPTY_POSTGRES))
        else:
            await conn.execute(text("UPDATE unit SET parent_id = NULL, successor_id = NULL"))
            await _clear_audit_sqlite(conn)
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))


# Every table emptied and every sequence restarted, in one round trip. DELETE, not TRUNCATE:
# a test leaves a few rows in ~90 tables, and TRUNCATE replaces every table's files (~0.3 s
# per test on an idle machine, seconds on a loaded one). Replica mode skips the triggers: the
# audit trail's refusal to be deleted, and the foreign keys (so any order will do).
_EMPTY_POSTGRES = """
DO $$
DECLARE r record;
BEGIN
  SET LOCAL session_replication_role = replica;
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'S')
             AND c.relname <> 'alembic_version' LOOP
    IF r.relkind = 'r' THEN
      EXECUTE format('DELETE FROM %I', r.relname);
    ELSE
      EXECUTE format('ALTER SEQUENCE %I RESTART', r.relname);
    END IF;
  END LOOP;
END $$
"""


async def _clear_audit_sqlite(conn: AsyncConnection) -> None:
    """Empty the append-only audit trail between tests: drop its DELETE trigger, delete,
    and put the trigger back as the migration wrote it."""
    sql = await conn.scalar(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
        {"n": "audit_event_no_delete"},
    )
    if sql is None:
        return
    await conn.execute(text("DROP TRIGGER audit_event_no_delete"))
    await conn.execute(text("DELETE FROM audit_event"))
    await conn.execute(text(sql))


# One app per settings for the whole run: building an app's routes costs ~0.3 s of CPU, and
# about a thousand tests each want one. Each test gets the app back with fresh state
# (connections, worker, caches, signer, and the settings it was built with).
_APPS: dict[str, FastAPI] = {}


_PRISTINE: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}  # templates' globals, filters


def _app_for(settings: Settings) -> FastAPI:
    key = settings.model_dump_json()
    application = _APPS.get(key)
    if application is None:
        application = _APPS[key] = create_app(settings)
        env = application.state.templates.env
        _PRISTINE[id(application)] = (dict(env.globals), dict(env.filters))
        return application
    application.state.settings = settings
    renew_state(application)
    # A test may install its own gettext or filters (the catalogue tests do): undone here, in
    # place (compiled templates keep a reference to these dicts).
    env = application.state.templates.env
    globals_, filters = _PRISTINE[id(application)]
    for mapping, pristine in ((env.globals, globals_), (env.filters, filters)):
        mapping.clear()
        mapping.update(pristine)
    return application


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = _app_for(settings)
    await _truncate(application.state.db)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def db(app: FastAPI) -> Database:
    database: Database = app.state.db
    return database


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


class LiveServer:
    """The app served by uvicorn on a real socket, in a thread with its own event loop."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,  # as `sipas serve`
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def live_server(settings: Settings, app: FastAPI) -> Iterator[LiveServer]:
    """A running server over the same (freshly truncated) database as ``app``."""
    with LiveServer(settings) as server:
        yield server


@pytest.fixture
def forms_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "survey_forms"
