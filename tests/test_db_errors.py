"""Which database errors mean "try again" (503) and which mean "bad value" (422), from real
drivers' errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import database_unavailable, invalid_data


async def test_sqlite_busy_is_unavailable_not_a_bug(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}"
    holder = create_async_engine(url, connect_args={"isolation_level": None})
    waiter = create_async_engine(url, connect_args={"isolation_level": None, "timeout": 0})
    try:
        async with holder.connect() as held, waiter.connect() as other:
            await held.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            await held.exec_driver_sql("BEGIN IMMEDIATE")
            with pytest.raises(OperationalError, match="locked") as caught:
                await other.exec_driver_sql("BEGIN IMMEDIATE")
            await held.exec_driver_sql("ROLLBACK")
    finally:
        await holder.dispose()
        await waiter.dispose()
    assert database_unavailable(caught.value)
    assert not invalid_data(caught.value)


async def test_a_refused_connection_is_unavailable():
    engine = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    try:
        with pytest.raises(Exception) as caught:  # whatever the driver raises
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert database_unavailable(caught.value)


async def test_programming_errors_are_neither(tmp_path: Path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        with pytest.raises(OperationalError) as caught:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT * FROM no_such_table"))
    finally:
        await engine.dispose()
    assert not database_unavailable(caught.value) and not invalid_data(caught.value)


def test_other_operating_system_errors_are_not_the_databases():
    assert not database_unavailable(FileNotFoundError(2, "No such file", "frame.csv"))
    assert not database_unavailable(PermissionError(13, "Permission denied"))
    assert database_unavailable(ConnectionResetError(104, "Connection reset by peer"))
    refused = "Multiple exceptions: [Errno 111] Connect call failed ('127.0.0.1', 5432)"
    assert database_unavailable(OSError(refused))
