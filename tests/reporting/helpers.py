"""Rounds, responses and signed-in staff for the comparison and publishing tests."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.audit.service import CLI
from app.collection.answers import ParsedAnswer
from app.collection.service import CounterForm, store_response
from app.models import AuditEvent, Response
from app.rounds.service import create_round, set_volume
from tests.auth_helpers import csrf_of, sign_in
from tests.factories import Province, make_user


async def add_round(
    app: FastAPI,
    province: Province,
    code: str,
    starts_on: date,
    volumes: dict[str, int | None],
    status: str = "closed",
) -> Province:
    """Another round of the province's instrument over existing units."""
    async with app.state.db.write_sessions.begin() as session:
        round_ = await create_round(
            session,
            CLI,
            code=code,
            name=f"Đợt {code}",
            form_code=province.round.form_code,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=60),
            status=status,
        )
        for unit_code, volume in volumes.items():
            await set_volume(session, CLI, round_, province.units[unit_code], volume)
    return Province(round_, province.units)


async def respond(
    app: FastAPI,
    province: Province,
    unit: str,
    answers: list[ParsedAnswer],
    channel: str = "qr",
    form_version_id: int | None = None,
    submitted_at: datetime | None = None,
) -> None:
    """Store a response as collection does (optionally under another instrument version)."""
    form = app.state.catalogue.get(province.round.form_code)
    if form_version_id is not None:
        from dataclasses import replace

        form = replace(form, version_id=form_version_id)
    async with app.state.db.write_sessions.begin() as session:
        target = CounterForm(province.units[unit], province.round, form)
        sid = str(uuid.uuid4())
        assert await store_response(session, target, sid, answers, channel)
        if submitted_at is not None:
            stored = await session.scalar(select(Response).where(Response.submission_id == sid))
            assert stored is not None
            stored.submitted_at = submitted_at


def with_field(answers: list[ParsedAnswer], field: str) -> list[ParsedAnswer]:
    """The answers with 'field' (the single-choice question) set to ``field``."""
    return [a for a in answers if a.question != "field"] + [ParsedAnswer("field", 0, None, field)]


async def staff_client(
    app: FastAPI, client: httpx.AsyncClient, email: str, grants: list[tuple[str, str]]
) -> str:
    """Sign ``client`` in as a new user with ``grants``; returns the session's CSRF token."""
    await make_user(app, email, grants)
    await sign_in(client, email)
    token = await csrf_of(client)
    client.headers["X-CSRF-Token"] = token
    return token


async def audit_actions(app: FastAPI, action: str) -> int:
    async with app.state.db.sessions() as session:
        found = await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )
    return int(found or 0)
