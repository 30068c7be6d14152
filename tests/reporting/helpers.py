"""Rounds, responses and signed-in staff for the comparison and publishing tests."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.audit.service import CLI
from app.collection.answers import ParsedAnswer
from app.collection.service import CounterForm, store_response
from app.config import Settings
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.main import create_app
from app.models import AuditEvent, Response
from app.rounds.service import create_round, set_volume
from tests.auth_helpers import csrf_of, sign_in
from tests.factories import Province, bearer, make_key, make_user


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


def as_old(answers: list[ParsedAnswer]) -> list[ParsedAnswer]:
    return [
        ParsedAnswer("OLDACC1", 0, a.value, None) if a.question == "ACC1" else a for a in answers
    ]


def revised_forms(forms_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Last year's instrument (2024.1) named ACC1 'OLDACC1'; this year's says so."""
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    text = (forms_dir / "one-stop-counter.yaml").read_text(encoding="utf-8")
    (old / "one-stop-counter.yaml").write_text(
        text.replace('version: "2026.1"', 'version: "2024.1"').replace(
            "code: ACC1", "code: OLDACC1"
        ),
        encoding="utf-8",
    )
    marker = "      - code: ACC1\n        type: rating\n        element: access\n"
    assert marker in text
    mapped = marker + '        previous_codes: {"2024.1": OLDACC1}\n'
    (new / "one-stop-counter.yaml").write_text(text.replace(marker, mapped), encoding="utf-8")
    shutil.copy(forms_dir / "tt01-2018.yaml", new / "tt01-2018.yaml")
    return old, new


@asynccontextmanager
async def revised_app(
    app: FastAPI, settings: Settings, forms_dir: Path, tmp_path: Path
) -> AsyncIterator[tuple[FastAPI, int]]:
    """An app serving this year's instrument (ACC1, formerly OLDACC1) on ``app``'s database,
    with last year's version 2024.1 registered: (the app, 2024.1's form version id)."""
    old_dir, new_dir = revised_forms(forms_dir, tmp_path)
    old = Catalogue.from_directory(old_dir)
    async with app.state.db.write_sessions.begin() as session:
        await register_forms(session, old)
    revised = create_app(settings.model_copy(update={"forms_dir": new_dir}))
    async with revised.router.lifespan_context(revised):
        yield revised, old.get("one-stop-counter").version_id


@asynccontextmanager
async def api_client(app: FastAPI, unit: str = "P") -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of ``app`` with an API key scoped to ``unit``."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        client.headers.update(bearer(await make_key(app, unit)))
        yield client
