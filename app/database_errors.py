"""Which database errors mean "unavailable, try again" (503) and which "your value cannot be
stored" (422): a leaf module (drivers only), so that error handling anywhere can ask without
depending on the engine and sessions of app.db."""

from __future__ import annotations

import socket

import asyncpg
from sqlalchemy import exc as sqlalchemy_exc

# The database cannot be reached or is going away: the request may succeed if tried again.
UNREACHABLE = (
    ConnectionError,  # refused, reset, broken pipe
    TimeoutError,  # connecting timed out
    socket.gaierror,  # the host name does not resolve (DNS away)
    asyncpg.PostgresConnectionError,  # 08xxx: connection lost or never made
    asyncpg.exceptions.OperatorInterventionError,  # 57xxx: shutting down, starting up
    asyncpg.InterfaceError,  # "connection is closed"
    asyncpg.exceptions.InternalClientError,  # a broken connection in a bad state
    sqlalchemy_exc.TimeoutError,  # no pooled connection came free in time
)
# What the error handlers look at (app/errors.py): the driver's and SQLAlchemy's errors
# (an OSError that is not a failed connection is re-raised there: a 500, as before).
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    *UNREACHABLE,
    sqlalchemy_exc.DBAPIError,
    asyncpg.PostgresError,
)
# SQLite's answers to a writer that waited out the busy timeout.
SQLITE_BUSY = ("database is locked", "database table is locked")


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) says the database is unreachable or busy, rather
    than that the request was wrong: such a request is answered 503, to be tried again."""
    seen: BaseException | None = exc
    for _ in range(5):  # SQLAlchemy wraps the adapter's error, which wraps the driver's
        if seen is None:
            return False
        if isinstance(seen, UNREACHABLE) or _connect_failed(seen):
            return True
        if isinstance(seen, sqlalchemy_exc.DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(seen, sqlalchemy_exc.OperationalError) and any(
            busy in str(seen.orig) for busy in SQLITE_BUSY
        ):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def _connect_failed(exc: BaseException) -> bool:
    """asyncio's plain OSError when every address of a host refused ("Multiple exceptions:
    [Errno 111] Connect call failed ..."); other OSErrors (files) are not the database's."""
    return type(exc) is OSError and "Connect call failed" in str(exc)


def invalid_data(exc: BaseException) -> bool:
    """Whether the database refused a value it cannot hold (SQLSTATE class 22: a NUL in text,
    a number out of range): the request was wrong, a 422."""
    orig = getattr(exc, "orig", None) or exc
    driver = orig.__cause__ if orig.__cause__ is not None else orig
    return isinstance(exc, sqlalchemy_exc.DataError) or isinstance(driver, asyncpg.DataError)
