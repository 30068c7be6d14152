"""Rankings served from what the worker stored (app/reporting/ranking_store.py): equal to a
fresh computation, stamped with when they were computed, served stale with their older
``as_of`` until the worker redoes them, computed now on ``?fresh=true``; the reader's scope
checked as for a live ranking."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import ImprovementFigures
from app.reporting.ranking_tasks import compute, refresh_rankings
from app.worker.tasks import load_tasks
from tests.factories import ratings
from tests.improvement.helpers import two_rounds
from tests.reporting.helpers import api_client, respond


def figures(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "freshness"}


async def answer(app: FastAPI, unit: str = "P", **params: str) -> httpx.Response:
    async with api_client(app, unit) as client:
        found = await client.get("/api/v1/rounds/R2026/ranking", params=params)
    assert found.status_code == 200, found.text
    return found


async def ranking(app: FastAPI, unit: str = "P", **params: str) -> dict[str, Any]:
    found: dict[str, Any] = (await answer(app, unit, **params)).json()
    return found


async def fresh(app: FastAPI, parent: str, level: str) -> dict[str, Any]:
    """The ranking computed now from the responses (what the worker stores)."""
    state = app.state
    return await compute(state.db, state.catalogue, "R2026", parent, level, state.settings)


async def refresh(app: FastAPI) -> int:
    state = app.state
    return await refresh_rankings(state.db, state.catalogue, state.settings, min_age=0)


async def stored(app: FastAPI) -> int:
    async with app.state.db.sessions() as session:
        kinds = ImprovementFigures.kind.like("ranking:%")
        count = select(func.count()).select_from(ImprovementFigures).where(kinds)
        return int(await session.scalar(count) or 0)


async def test_stored_rankings_equal_a_fresh_computation_and_wait_for_the_worker(held: FastAPI):
    province = await two_rounds(held)
    await ranking(held, level="counter")  # nothing stored: computed, then kept
    assert await stored(held) == 1
    task = load_tasks()["reporting.rankings"]
    assert task.run is not None
    # R2026 and R2025: departments and counters under the province (the kept one too: the
    # worker's first fold built the tallies, so the round's figures changed since).
    assert await refresh(held) == 4 and await stored(held) == 4
    assert await refresh(held) == 0  # nothing changed: nothing redone
    for level in ("counter", "department"):
        served = await ranking(held, level=level)
        assert served["freshness"]["source"] == "worker"
        assert not served["freshness"]["stale"] and not served["freshness"]["pending"]
        assert figures(served) == await fresh(held, "P", level), level
    served = await ranking(held, level="counter")
    # New responses: the request serves the stored ranking, marked pending, until the worker.
    for _ in range(10):
        await respond(held, province, "C12", ratings({"ACC1": 1, "PRO1": 1, "FBK3": "na"}))
    waiting = await ranking(held, level="counter")
    assert waiting["freshness"]["pending"] is True
    assert waiting["freshness"]["as_of"] == served["freshness"]["as_of"]
    assert figures(waiting) == figures(served)
    assert await refresh(held) == 2  # R2026's two rankings (the basis moved with the fold)
    caught_up = await ranking(held, level="counter")
    assert not caught_up["freshness"]["stale"] and not caught_up["freshness"]["pending"]
    assert caught_up["freshness"]["as_of"] > served["freshness"]["as_of"]
    assert figures(caught_up) == await fresh(held, "P", "counter")
    assert figures(caught_up) != figures(served)
    c12 = next(r for r in caught_up["rows"] if r["code"] == "C12")
    assert c12["respondents"] == 30 + 10


async def test_fresh_true_computes_a_pending_ranking_and_keeps_it(held: FastAPI):
    province = await two_rounds(held)
    await refresh(held)
    served = await ranking(held, level="counter")
    for _ in range(5):
        await respond(held, province, "C21", ratings({"ACC1": 1, "PRO1": 1, "FBK3": "na"}))
    current = await ranking(held, level="counter", fresh="true")
    assert current["freshness"]["source"] == "tallies" and not current["freshness"]["pending"]
    c21 = next(r for r in current["rows"] if r["code"] == "C21")
    assert c21["respondents"] == 30 + 5
    assert figures(current) == await fresh(held, "P", "counter")
    sent = await answer(held, level="counter")  # stored by the request that computed it
    kept = sent.json()
    # Last-Modified: when stored (a caught-up ranking is newer than the stale one before it).
    stored_at = datetime.fromisoformat(kept["freshness"]["as_of"].replace("Z", "+00:00"))
    modified = parsedate_to_datetime(sent.headers["last-modified"])
    assert modified == stored_at.replace(microsecond=0)
    assert kept["freshness"]["source"] == "worker" and not kept["freshness"]["stale"]
    assert kept["freshness"]["as_of"] > served["freshness"]["as_of"]
    assert figures(kept) == figures(current)


async def test_a_stored_ranking_checks_the_readers_scope(held: FastAPI):
    await two_rounds(held)
    await refresh(held)
    async with api_client(held, "D2") as client:  # out of scope of the province's ranking
        refused = await client.get("/api/v1/rounds/R2026/ranking", params={"level": "counter"})
        assert refused.status_code == 403
        other = await client.get(
            "/api/v1/rounds/R2026/ranking", params={"level": "counter", "parent": "D1"}
        )
        assert other.status_code == 403
    own = await ranking(held, "D1", level="counter", parent="D1")  # computed, then kept
    assert {r["code"] for r in own["rows"]} == {"C11", "C12"}
    again = await ranking(held, "D1", level="counter", parent="D1")
    assert again["freshness"]["source"] == "worker"
    assert figures(again) == figures(own) == await fresh(held, "D1", "counter")
    async with api_client(held, "D2") as client:
        still = await client.get(
            "/api/v1/rounds/R2026/ranking", params={"level": "counter", "parent": "D1"}
        )
        assert still.status_code == 403
