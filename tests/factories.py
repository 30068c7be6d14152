"""Test data built through the service layer (the same code paths as the app)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from app.audit.service import CLI
from app.collection.answers import ParsedAnswer
from app.collection.service import CounterForm, store_response
from app.db import Database
from app.forms.registry import Catalogue
from app.models import Round, Unit
from app.rounds.service import create_round, set_volume
from app.units.service import upsert_unit

FORM = "one-stop-counter"
CRITERIA = [
    "ACC1",
    "ACC2",
    "ACC3",
    "PRO1",
    "PRO2",
    "PRO3",
    "PRO4",
    "OFF1",
    "OFF2",
    "OFF3",
    "RES1",
    "RES2",
    "RES3",
    "FBK1",
    "FBK2",
    "FBK3",
]


LIMITS_OFF: dict[str, object] = {"limits": False}


@dataclass
class Province:
    round: Round
    units: dict[str, Unit]


async def make_province(
    app: FastAPI,
    volumes: dict[str, int | None] | None = None,
    status: str = "open",
    round_code: str = "R2026",
    form_code: str = FORM,
    integrity: dict[str, object] | None = LIMITS_OFF,
) -> Province:
    """Province P with departments D1 (counters C11, C12) and D2 (counter C21), one round.

    ``integrity``: the round's policy. Tests post forms faster and more often than any
    citizen could, so by default the round is a supervised one (limits off; rules still
    flag); tests of the limits and rules (tests/integrity) pass None for the defaults."""
    volumes = volumes if volumes is not None else {"C11": 1000, "C12": 500, "C21": 300}
    db: Database = app.state.db
    today = province_today()
    async with db.write_sessions.begin() as session:
        units = {}
        for code, level, parent in [
            ("P", "province", None),
            ("D1", "department", "P"),
            ("D2", "department", "P"),
            ("C11", "counter", "D1"),
            ("C12", "counter", "D1"),
            ("C21", "counter", "D2"),
        ]:
            units[code] = await upsert_unit(session, CLI, code, f"Đơn vị {code}", level, parent)
        round_ = await create_round(
            session,
            CLI,
            code=round_code,
            name="Đợt khảo sát thử",
            form_code=form_code,
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=30),
            status=status,
        )
        round_.integrity_policy = integrity
        for code, volume in volumes.items():
            await set_volume(session, CLI, round_, units[code], volume)
    return Province(round_, units)


def ratings(values: dict[str, int | str], default: int | str = 5) -> list[ParsedAnswer]:
    """Answers to all 16 criteria: ``values`` overrides, others get ``default`` ('na' = N/A)."""
    answers = []
    for code in CRITERIA:
        raw = values.get(code, default)
        if raw == "na":
            answers.append(ParsedAnswer(code, 0, None, "na"))
        else:
            answers.append(ParsedAnswer(code, 0, float(raw), None))
    answers.append(ParsedAnswer("field", 0, None, "land"))
    return answers


async def add_response(
    app: FastAPI, province: Province, unit_code: str, answers: list[ParsedAnswer]
) -> None:
    db: Database = app.state.db
    catalogue: Catalogue = app.state.catalogue
    async with db.write_sessions.begin() as session:
        form = catalogue.get(province.round.form_code)
        target = CounterForm(province.units[unit_code], province.round, form)
        assert await store_response(session, target, str(uuid.uuid4()), answers)


def form_body(token: str, values: dict[str, str] | None = None) -> dict[str, str]:
    """A complete, valid form submission (all criteria 5, field 'land')."""
    body = {"sid": token, "field": "land", **{code: "5" for code in CRITERIA}}
    body.update(values or {})
    return body


PASSWORD = "correct horse battery"


async def make_user(
    app: FastAPI,
    email: str,
    grants: list[tuple[str, str]] = (),  # type: ignore[assignment]
    superadmin: bool = False,
) -> int:
    """A staff user with role grants [(role, unit code)], password PASSWORD."""
    from app.auth.service import create_user, grant_role

    db: Database = app.state.db
    async with db.write_sessions.begin() as session:
        user = await create_user(
            session, CLI, email=email, password=PASSWORD, superadmin=superadmin
        )
        for role, unit in grants:
            await grant_role(session, CLI, user, role, unit)
        return user.id


async def make_key(app: FastAPI, unit: str, name: str = "report system") -> str:
    from app.auth.keys import create_key

    db: Database = app.state.db
    async with db.write_sessions.begin() as session:
        return (await create_key(session, CLI, name, unit, None)).key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def province_today() -> date:
    """Today as the service counts days (the province's time zone, the settings' default): it
    differs from the machine's UTC date from 17:00 to 24:00 UTC."""
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
