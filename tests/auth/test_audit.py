"""The audit trail: same transaction as the change, scoped reading, CSV, append-only."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from app.audit.service import CLI
from app.auth.service import create_user
from app.models import AuditEvent, User
from tests.auth_helpers import sign_in
from tests.factories import PASSWORD, make_province, make_user


async def counts(app: FastAPI) -> tuple[int, int]:
    async with app.state.db.sessions() as session:
        users = await session.scalar(select(func.count()).select_from(User))
        events = await session.scalar(select(func.count()).select_from(AuditEvent))
    return int(users or 0), int(events or 0)


async def test_a_rolled_back_change_leaves_no_audit_row(app: FastAPI):
    with pytest.raises(RuntimeError):
        async with app.state.db.write_sessions.begin() as session:
            await create_user(session, CLI, email="a@x.vn", password=PASSWORD)
            raise RuntimeError("something failed after the change")
    assert await counts(app) == (0, 0)

    async with app.state.db.write_sessions.begin() as session:
        await create_user(session, CLI, email="a@x.vn", password=PASSWORD)
    assert await counts(app) == (1, 1)
    async with app.state.db.sessions() as session:
        event = (await session.scalars(select(AuditEvent))).one()
    assert (event.actor, event.action, event.object_type) == ("cli", "user.create", "user")
    assert event.changes == {"email": "a@x.vn", "superadmin": False}


async def test_audit_rows_cannot_be_updated(app: FastAPI):
    await make_user(app, "a@x.vn")
    with pytest.raises(DBAPIError, match="append-only"):
        async with app.state.db.write_sessions.begin() as session:
            await session.execute(update(AuditEvent).values(action="tampered"))


@pytest.mark.parametrize("statement", ["DELETE FROM audit_event", "TRUNCATE audit_event"])
async def test_audit_rows_cannot_be_deleted(app: FastAPI, is_postgres: bool, statement: str):
    if statement.startswith("TRUNCATE") and not is_postgres:
        pytest.skip("SQLite has no TRUNCATE (its DELETE without WHERE is covered)")
    await make_user(app, "a@x.vn")
    with pytest.raises(DBAPIError, match="append-only"):
        async with app.state.db.write_sessions.begin() as session:
            await session.execute(text(statement))
    async with app.state.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEvent)) == 1


async def test_admins_read_the_audit_of_their_scope(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await make_user(app, "d1-clerk@x.vn", [("viewer", "C11")])
    await make_user(app, "d2-clerk@x.vn", [("viewer", "C21")])
    await make_user(app, "d1-admin@x.vn", [("admin", "D1")])
    await sign_in(client, "d1-admin@x.vn")

    events = (await client.get("/api/v1/audit", params={"action": "user.grant"})).json()
    granted = sorted(e["changes"]["unit"] for e in events)
    assert granted == ["C11", "D1"]  # not C21: outside D1
    logins = (await client.get("/api/v1/audit", params={"action": "auth"})).json()
    assert logins == []  # sign-ins concern no unit: only a superadmin reads them

    exported = await client.get("/api/v1/audit.csv", params={"action": "user"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["action"] for r in rows} == {"user.grant"}
    assert rows[0]["actor"] == "cli" and "client_hash" in rows[0]


async def test_web_actions_are_audited_with_a_hashed_client(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_user(app, "root@x.vn", superadmin=True)
    await sign_in(client, "root@x.vn")
    events = (await client.get("/api/v1/audit", params={"action": "auth.login"})).json()
    assert len(events) == 1
    assert events[0]["actor"].endswith("root@x.vn")
    assert len(events[0]["client_hash"]) == 64  # a keyed hash, never the address itself
