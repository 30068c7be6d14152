"""Database engine, sessions and the per-request unit of work.

One URL serves both backends: ``sqlite:///path`` (embedded default) and
``postgresql://user@host/db`` (production). The async driver is chosen here so that
operators write the plain URL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy import exc as sqlalchemy_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings
from app.database_errors import DATABASE_ERRORS as DATABASE_ERRORS
from app.database_errors import database_unavailable as database_unavailable
from app.database_errors import invalid_data as invalid_data

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
# URL query options that SQLAlchemy's asyncpg adapter consumes itself (not asyncpg's).
SQLALCHEMY_ONLY_OPTIONS = (
    "async_creator_fn",
    "prepared_statement_cache_size",
    "prepared_statement_name_func",
)


def async_url(raw: str) -> URL:
    """Turn an operator's URL into one with an async driver (keeps an explicit driver)."""
    url = make_url(raw)
    backend = url.get_backend_name()
    if backend not in ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    if url.drivername == backend:
        url = url.set(drivername=ASYNC_DRIVERS[backend])
    return url


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, and writers that queue instead of failing.

    pysqlite's implicit transactions are replaced by explicit ones so that a write
    transaction can start with BEGIN IMMEDIATE: a deferred transaction that reads and then
    writes fails at once with SQLITE_BUSY when another writer got there first.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(settings: Settings) -> AsyncEngine:
    url = async_url(settings.database_url)
    # No pre-ping: a dead pooled connection fails one request's query and is replaced, which
    # is cheaper than a round trip before every checkout (measured in docs/performance.md).
    kwargs: dict[str, Any] = {"echo": settings.db_echo}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 10}
    else:
        # A fixed pool, no overflow: connections opened and closed per burst cost more than
        # the queries they run; requests beyond the pool wait for a connection instead.
        kwargs.update(pool_size=settings.db_pool_size, max_overflow=0, pool_recycle=1800)
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    else:
        _replace_closed_connections(engine)
    return engine


def _replace_closed_connections(engine: AsyncEngine) -> None:
    """A pooled connection the server closed (a restart, a failover) is replaced at checkout,
    so the first request after the database comes back succeeds. The check is local (the
    driver saw the socket close), not a round trip like ``pool_pre_ping``."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_conn.driver_connection.is_closed():
            raise sqlalchemy_exc.DisconnectionError("connection closed by the server")


class Database:
    """The engine and two session factories: reads, and writes that take the lock up front.

    On PostgreSQL also a small pool of plain asyncpg connections for the collection hot path
    (one statement per submission), which skips SQLAlchemy's checkout, unwrapping and return
    on every submission (docs/performance.md).
    """

    def __init__(self, settings: Settings) -> None:
        self.engine = make_engine(settings)
        self._driver_pool_size = settings.collect_pool_size
        self._driver_pool: asyncpg.Pool | None = None
        self._driver_pool_lock = asyncio.Lock()
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        writer = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if is_sqlite(self.engine)
            else self.engine
        )
        self.write_sessions = async_sessionmaker(writer, expire_on_commit=False)
        # SQLite has one writer at a time. Writers of this process queue here, in order, at
        # no cost, instead of inside SQLite's busy handler, which sleeps and polls (up to 100
        # ms a try): 64 citizens at once then waited seconds (docs/reliability.md).
        self._write_turn = asyncio.Lock() if is_sqlite(self.engine) else None

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """One short write transaction, committed on exit (rolled back if it raises); on
        SQLite it waits its turn among this process's writers first."""
        if self._write_turn is None:
            async with self.write_sessions.begin() as session:
                yield session
            return
        async with self._write_turn, self.write_sessions.begin() as session:
            yield session

    async def driver_pool(self) -> asyncpg.Pool:
        """The asyncpg pool (PostgreSQL only), opened on first use."""
        if self._driver_pool is None:
            async with self._driver_pool_lock:
                if self._driver_pool is None:
                    # The engine's own connect arguments (host, port, user, ssl, ...), less the
                    # options only SQLAlchemy's adapter understands.
                    _, options = self.engine.dialect.create_connect_args(self.engine.url)
                    for adapter_only in SQLALCHEMY_ONLY_OPTIONS:
                        options.pop(adapter_only, None)
                    self._driver_pool = await asyncpg.create_pool(
                        **options,
                        min_size=1,
                        max_size=self._driver_pool_size,
                        max_inactive_connection_lifetime=1800,
                        reset=_nothing_to_reset,
                    )
        return self._driver_pool

    async def dispose(self) -> None:
        if self._driver_pool is not None:
            await self._driver_pool.close()
            self._driver_pool = None
        await self.engine.dispose()


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    """The driver pool's connections run single autocommit statements that leave no session
    state behind (no SET, session advisory lock, cursor or LISTEN), so they go back to the pool
    without asyncpg's default reset query: one round trip fewer per submission (10 % of the
    server's time in a profile of ``POST /s/{code}``). asyncpg still rolls back a transaction
    left open, and a connection whose release fails is closed."""


async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Yield a session; commit when the handler returns, roll back when it raises.

    Used with ``Depends(scope="function")`` so that the commit happens before the response
    is sent: a failed commit becomes an error response, never a "thank you".
    """
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


def dialect_insert(session: AsyncSession, model: Any) -> Any:
    """The session backend's INSERT construct (it knows ON CONFLICT)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)


def insert_ignore(session: AsyncSession, model: Any, values: dict[str, Any]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the session's backend (both speak it)."""
    return dialect_insert(session, model).values(values).on_conflict_do_nothing()


@asynccontextmanager
async def standalone_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One write transaction outside a request (CLI commands, seeding): commit or roll back."""
    db = Database(settings)
    try:
        async with db.write_sessions.begin() as session:
            yield session
    finally:
        await db.dispose()
