"""Creating an account, resetting or changing a password hashes it (~0.5 s of CPU) with no
transaction open: on SQLite a write transaction holds the database's one writer lock, and a
citizen's submission must not wait behind an administrator's hash."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from app.audit.service import CLI
from app.auth.service import create_user, reset_password
from app.models import Unit, User
from tests.factories import make_province, make_user


async def _writer_meanwhile(app: FastAPI, done: list[str]) -> None:
    """Another writer (a citizen's submission), starting while the hash runs."""
    await asyncio.sleep(0.05)
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(Unit).where(Unit.code == "C11").values(name="Quầy C11"))
    done.append("other writer")


@pytest.mark.parametrize("change", ["create", "reset"])
async def test_another_writer_is_not_kept_waiting_by_a_password_hash(
    app: FastAPI, change: str, is_postgres: bool
):
    if is_postgres:  # its writers do not lock each other out: nothing to show there
        pytest.skip("SQLite's single writer lock is what a hash inside a transaction holds")
    await make_province(app)
    if change == "reset":
        await make_user(app, "staff@p.vn", [("viewer", "P")])
    done: list[str] = []

    async def admin() -> None:
        async with app.state.db.write_sessions() as session:  # as a request's unit of work
            await session.execute(select(Unit.id).limit(1))  # it has begun (on SQLite: locked)
            if change == "create":
                await create_user(session, CLI, email="new@p.vn", password="Mật khẩu tạm 2026!")
            else:
                user = await session.scalar(select(User).where(User.email == "staff@p.vn"))
                assert user is not None
                await reset_password(session, CLI, user, "Mật khẩu tạm 2026!", None)
            done.append("hashed")
            await session.commit()

    await asyncio.gather(admin(), _writer_meanwhile(app, done))
    assert done == ["other writer", "hashed"]
    async with app.state.db.sessions() as session:
        stored = await session.scalar(select(User.password_hash).where(User.email.like("%@p.vn")))
    assert stored and stored.startswith("$argon2id$")
