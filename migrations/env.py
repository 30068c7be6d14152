"""Alembic environment: runs migrations with the app's async engine on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.config import get_settings
from app.db import async_url
from app.models import Base

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    given = config.attributes.get("database_url")
    return str(given) if given else get_settings().database_url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas that start together migrate one after the other: the lock is held until
            # this transaction commits, and the next one then finds the schema at head.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")  # "sipas"
        context.run_migrations()


async def run_async() -> None:
    url = async_url(database_url())
    if url.get_backend_name() == "sqlite" and url.database:
        from pathlib import Path

        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=str(async_url(database_url())), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_async())
