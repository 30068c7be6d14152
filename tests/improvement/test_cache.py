"""Gaps and drivers served from what the worker computed (app/improvement/cache.py): equal to
the live computation to the last bit, stamped with when they were computed, marked stale when
the round's figures change, and redone by the next refresh."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.audit.service import CLI
from app.improvement.cache import KINDS, compute
from app.improvement.tasks import _due, refresh_figures
from app.models import ImprovementDemand, ImprovementFigures, Round
from app.models.base import utcnow
from app.reporting.targets import set_targets
from app.worker.registry import Context
from app.worker.tasks import load_tasks
from tests.factories import ratings
from tests.improvement.helpers import two_rounds
from tests.reporting.helpers import api_client, respond, staff_client

PATHS = ("gaps", "drivers")


def figures(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "freshness"}


async def refresh(app: FastAPI) -> int:
    state = app.state
    return await refresh_figures(state.db, state.catalogue, state.settings, min_age=0)


async def get(app: FastAPI, path: str, unit: str, lang: str = "vi") -> dict[str, Any]:
    async with api_client(app) as client:
        answer = await client.get(
            f"/api/v1/rounds/R2026/{path}", params={"unit": unit, "lang": lang}
        )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def ask(app: FastAPI, path: str, unit: str, lang: str = "vi") -> httpx.Response:
    async with api_client(app) as client:
        return await client.get(f"/api/v1/rounds/R2026/{path}", params={"unit": unit, "lang": lang})


async def fresh(app: FastAPI, kind: str, unit: str) -> dict[str, Any]:
    """The figures computed now from the responses (what the worker stores)."""
    state = app.state
    async with state.db.sessions() as session:
        return await compute(session, state.catalogue, "R2026", unit, kind, state.settings)


async def test_before_the_worker_the_answer_is_pending_and_asks_for_the_unit(app: FastAPI):
    """No request computes figures: before the worker has been by, 202 with status
    'pending' (the reader's scope checked first); the units asked for are computed first;
    afterwards the answers equal a fresh computation."""
    await two_rounds(app)
    async with api_client(app, "D2") as client:  # out of scope: refused, not queued
        refused = await client.get("/api/v1/rounds/R2026/gaps", params={"unit": "C11"})
    assert refused.status_code == 403
    for path in ("gaps", "drivers", "drivers.svg"):
        for lang in ("vi", "en"):
            answer = await ask(app, path, "C12", lang)
            assert answer.status_code == 202, (path, answer.text)
            body = answer.json()
            assert body["status"] == "pending" and body["as_of"] is None
            assert body["unit"] == "C12" and body["message"]
    assert "worker" in (await ask(app, "gaps", "C12", "en")).json()["message"]
    state = app.state
    async with state.db.sessions() as session:
        asked = (await session.execute(select(ImprovementDemand.unit_id))).scalars().all()
        r2026 = await session.scalar(select(Round).where(Round.code == "R2026"))
        assert r2026 is not None
        due = await _due(state.db, state.catalogue, r2026, utcnow(), 0, KINDS)
    c12 = next(u for u, code, _ in due if code == "C12")
    assert asked == [c12]
    # The unit asked for comes first (C12 is not first in the tree's order).
    assert [code for _, code, _ in due[:2]] == ["C12", "C12"] and due[2][1] != "C12"

    task = load_tasks()["improvement.figures"]  # as the worker runs it
    written = await task.run(Context(state.db, state.settings, state.catalogue))
    async with state.db.sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(ImprovementFigures))
        left = await session.scalar(select(func.count()).select_from(ImprovementDemand))
    # R2026 and R2025 (closed), each: the province, two departments, three counters, two kinds.
    assert written == rows == 2 * 6 * 2 and left == 0
    assert await refresh(app) == 0  # nothing changed: nothing redone
    for kind in PATHS:
        for unit in ("C11", "C12", "P"):
            served = await get(app, kind, unit)
            assert served["status"] == "ready"
            assert served["freshness"]["source"] == "worker", (kind, unit)
            assert served["freshness"]["stale"] is False
            assert figures(served) == await fresh(app, kind, unit), (kind, unit)
    english = await get(app, "gaps", "C11", "en")
    assert english["criteria"][0]["name"] != (await get(app, "gaps", "C11"))["criteria"][0]["name"]
    chart = await ask(app, "drivers.svg", "C12")
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg")


async def test_served_figures_are_stale_until_the_worker_redoes_them(app: FastAPI):
    province = await two_rounds(app)
    await refresh(app)
    before = await get(app, "gaps", "C11")
    # New responses: the request still serves the stored figures (it reads no answer), stale.
    for _ in range(10):
        await respond(app, province, "C11", ratings({"ACC1": 5, "PRO1": 5, "FBK3": "na"}))
    stale = await get(app, "gaps", "C11")
    assert stale["freshness"]["pending"] is True
    assert figures(stale) == figures(before)
    assert await refresh(app) > 0
    fresh = await get(app, "gaps", "C11")
    assert fresh["freshness"]["stale"] is False and fresh["freshness"]["pending"] is False
    assert fresh["freshness"]["as_of"] > stale["freshness"]["as_of"]
    acc1 = next(g for g in fresh["criteria"] if g["code"] == "ACC1")
    assert acc1["unit"]["n"] == 40 and acc1["unit"]["index"] == 22 / 40 * 100


async def test_a_changed_round_is_redone_at_most_every_min_age(app: FastAPI):
    province = await two_rounds(app)
    state = app.state
    await refresh(app)
    async with state.db.write_sessions.begin() as session:  # an audited change to the round
        await set_targets(session, CLI, state.catalogue, province.round, [("C11", 95.0)])
    stale = await get(app, "gaps", "C11")
    assert stale["freshness"]["stale"] is True and stale["target"] == 90.0
    assert await refresh(app) > 0
    redone = await get(app, "gaps", "C11")
    assert redone["freshness"]["stale"] is False and redone["target"] == 95.0
    await respond(app, province, "C12", ratings({"ACC1": 1}))
    waited = await refresh_figures(state.db, state.catalogue, state.settings, min_age=3600)
    assert waited == 0
    assert await refresh(app) > 0


async def test_served_figures_keep_the_readers_scope(app: FastAPI):
    await two_rounds(app)
    await refresh(app)
    async with api_client(app, "D2") as client:
        refused = await client.get("/api/v1/rounds/R2026/gaps", params={"unit": "C11"})
        allowed = await client.get("/api/v1/rounds/R2026/drivers", params={"unit": "C21"})
    assert refused.status_code == 403
    assert allowed.status_code == 200 and allowed.json()["freshness"]["source"] == "worker"


async def test_the_console_page_serves_them_with_their_date(
    app: FastAPI, client: httpx.AsyncClient
):
    await two_rounds(app)
    await staff_client(app, client, "c11@x.vn", [("manager", "C11")])
    waiting = await client.get("/console/improvement/rounds/R2026/C11")
    assert waiting.status_code == 200 and 'id="pending"' in waiting.text
    assert 'id="gaps"' not in waiting.text and 'value="ACC1"' in waiting.text  # can still plan
    await refresh(app)
    page = await client.get("/console/improvement/rounds/R2026/C11")
    assert page.status_code == 200
    assert 'id="freshness"' in page.text and "Số liệu tính đến" in page.text
    assert "Đang tính lại" not in page.text and 'id="pending"' not in page.text
    assert 'id="importance"' in page.text
