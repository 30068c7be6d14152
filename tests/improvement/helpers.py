"""A province with two rounds whose counter C11 loses points on ACC1 and PRO1."""

from __future__ import annotations

from datetime import date

import httpx
from fastapi import FastAPI

from app.audit.service import CLI
from app.collection.answers import ParsedAnswer
from app.reporting.targets import set_targets
from tests.factories import Province, make_province, province_today, ratings
from tests.reporting.helpers import add_round, respond

VOLUMES: dict[str, int | None] = {"C11": 1000, "C12": 500, "C21": 300}
N = 30
COMPLAINT = "Chờ lâu quá, gọi tôi 0912345678"


def counter_answers(acc1: int, pro1: int, comment: str | None = None) -> list[ParsedAnswer]:
    answers = ratings({"ACC1": acc1, "PRO1": pro1, "FBK3": "na"})
    if comment:
        answers.append(ParsedAnswer("comment", 0, None, comment))
    return answers


async def two_rounds(app: FastAPI) -> Province:
    """R2025 (closed): C11 all 5. R2026: C11 ACC1 satisfied 12/30, PRO1 6/30, FBK3 N/A; C12
    all 5; C21 ACC1 24/30. C11's target: 90."""
    before = await make_province(app, volumes=VOLUMES, round_code="R2025", status="closed")
    for _ in range(N):
        await respond(app, before, "C11", counter_answers(5, 5))
    now = await add_round(app, before, "R2026", province_today(), VOLUMES, status="open")
    for i in range(N):
        low = i >= 12
        comment = COMPLAINT if low and i % 5 == 0 else None
        await respond(app, now, "C11", counter_answers(2 if low else 5, 5 if i < 6 else 2, comment))
        await respond(app, now, "C12", counter_answers(5, 5))
        await respond(app, now, "C21", counter_answers(5 if i < 24 else 1, 5))
    async with app.state.db.write_sessions.begin() as session:
        await set_targets(session, CLI, app.state.catalogue, now.round, [("C11", 90.0)])
    return now


async def plan(client: httpx.AsyncClient, unit: str, title: str, due: date) -> int:
    """An action on ACC1 at ``unit`` in R2026, created through the API; its id."""
    body = {
        "unit": unit,
        "round": "R2026",
        "title": title,
        "criteria": ["ACC1"],
        "responsible_unit": unit,
        "responsible_person": "Trưởng bộ phận một cửa",
        "due_on": due.isoformat(),
    }
    created = await client.post("/api/v1/improvement/actions", json=body)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def computed(app: FastAPI) -> int:
    """Run the worker's refresh of gaps and drivers (every row due); the rows written."""
    from app.improvement.tasks import refresh_figures

    state = app.state
    return await refresh_figures(state.db, state.catalogue, state.settings, min_age=0)
