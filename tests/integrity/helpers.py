"""Citizens (and attackers) at a counter: forms opened some seconds ago, fresh devices."""

from __future__ import annotations

import time
from typing import Any

import httpx
from fastapi import FastAPI
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.models import Response, ResponseFlag
from tests.collection.test_form import token_of

HTML = {"accept": "text/html"}


def aged_sid(app: FastAPI, binding: str, device: str, seconds: float) -> str:
    """A submission id as the server signs it, for a form served ``seconds`` ago (the time
    to complete comes from it; the client cannot forge one without the secret)."""

    class Aged(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - seconds)

    serializer = URLSafeTimedSerializer(
        app.state.settings.secret_key, salt="sipas.submission", signer=Aged
    )
    return serializer.dumps(["aged-" + str(time.time_ns()), binding, device])


async def open_form(client: httpx.AsyncClient, unit: str) -> str:
    """GET the counter's form the way a phone does (keeps its device cookie); the sid."""
    page = await client.get(f"/s/{unit}", headers=HTML)
    assert page.status_code == 200, page.text
    return token_of(page.text)


def device_of(client: httpx.AsyncClient) -> str:
    return str(client.cookies.get("sipas_device") or "")


async def post_form(
    client: httpx.AsyncClient, unit: str, sid: str, answers: dict[str, str], path: str = "/s"
) -> httpx.Response:
    return await client.post(f"{path}/{unit}", data={"sid": sid, **answers})


async def statuses(app: FastAPI, unit_id: int | None = None) -> dict[str, int]:
    async with app.state.db.sessions() as session:
        stmt = select(Response.status, func.count()).group_by(Response.status)
        if unit_id is not None:
            stmt = stmt.where(Response.unit_id == unit_id)
        return {s: int(n) for s, n in await session.execute(stmt)}


async def flags_by_rule(app: FastAPI) -> dict[str, int]:
    async with app.state.db.sessions() as session:
        rows = await session.execute(
            select(ResponseFlag.rule, func.count()).group_by(ResponseFlag.rule)
        )
        return {r: int(n) for r, n in rows}


def answers_all(level: str, criteria: Any) -> dict[str, str]:
    return {"field": "land", **{code: level for code in criteria}}


async def add_held(app: FastAPI, province: Any, unit: str, answers: list[Any]) -> int:
    """Store a response as a form sent the moment it opened would be: held (too_fast)."""
    from app.collection.service import CounterForm, response_values, with_policy
    from app.integrity.admission import admit
    from app.integrity.policy import IntegrityPolicy
    from app.integrity.screening import UNLIMITED, Paradata, answers_fingerprint, screen
    from app.models.base import utcnow

    form = app.state.catalogue.get(province.round.form_code)
    target = with_policy(CounterForm(province.units[unit], province.round, form), None)
    now = utcnow()
    paradata = Paradata("qr", now, None, answers_fingerprint(answers))
    verdict = screen(
        IntegrityPolicy(off=["out_of_hours"]),  # the same flags at any hour of the test
        paradata,
        answers,
        target.criteria,
        unit,
        UNLIMITED,
        now,
        "UTC",
    )
    values = response_values(target, f"held-{time.time_ns()}", "qr", answers)
    async with app.state.db.write_sessions.begin() as session:
        admission = await admit(session, values, answers, paradata, verdict)
    assert admission.outcome == "held" and admission.response_id is not None
    return admission.response_id
