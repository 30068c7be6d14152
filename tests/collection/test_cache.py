"""The counter cache: the same page as without it, a fresh id per scan, staleness bounded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from app.collection.cache import SID_PLACEHOLDER, CounterCache
from app.config import Settings
from app.main import create_app
from app.models import Answer, Response, Round
from tests.collection.test_form import token_of
from tests.factories import CRITERIA, form_body, make_province

TTL = 3.0


@pytest.fixture
async def cached(app: FastAPI, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second app on the same database whose counter cache is switched on."""
    other = create_app(settings.model_copy(update={"counter_cache_seconds": TTL}))
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            yield c


async def test_cached_page_equals_the_rendered_one_but_for_its_id(
    app: FastAPI, client: httpx.AsyncClient, cached: httpx.AsyncClient
):
    await make_province(app)
    plain = (await client.get("/s/C11")).text
    first, second = (await cached.get("/s/C11")).text, (await cached.get("/s/C11")).text
    ids = {token_of(plain), token_of(first), token_of(second)}
    assert len(ids) == 3, "every scan gets its own submission id"
    assert SID_PLACEHOLDER not in first + second
    blank = plain.replace(token_of(plain), "")
    assert first.replace(token_of(first), "") == blank
    assert second.replace(token_of(second), "") == blank
    english = (await cached.get("/s/C11?lang=en")).text
    assert '<html lang="en">' in english and token_of(english) not in ids


async def test_cached_counter_stores_answers_once(app: FastAPI, cached: httpx.AsyncClient):
    province = await make_province(app)
    token = token_of((await cached.get("/s/C12")).text)
    for _ in range(2):
        posted = await cached.post("/s/C12", data=form_body(token, {"ACC1": "3"}))
        assert posted.status_code == 303
    async with app.state.db.sessions() as session:
        responses = (await session.scalars(select(Response))).all()
        answers = await session.scalar(select(func.count()).select_from(Answer))
        acc1 = await session.scalar(select(Answer.value).where(Answer.question == "ACC1"))
    assert len(responses) == 1
    assert (responses[0].unit_id, responses[0].round_id) == (
        province.units["C12"].id,
        province.round.id,
    )
    assert answers == len(CRITERIA) + 1 and acc1 == 3.0


async def test_a_closed_round_shows_within_the_ttl(app: FastAPI, cached: httpx.AsyncClient):
    await make_province(app)
    assert (await cached.get("/s/C21")).status_code == 200
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(Round).values(status="closed"))
    assert (await cached.get("/s/C21")).status_code == 200  # still cached: documented
    await asyncio.sleep(TTL + 0.1)
    assert (await cached.get("/s/C21", headers={"accept": "text/html"})).status_code == 410


async def test_concurrent_misses_share_one_load():
    """An expired entry is loaded once for all the requests waiting on it; a failed load is
    every waiter's error and is not cached."""
    cache = CounterCache(ttl=60)
    calls = 0
    outcome: object = "form"

    async def load() -> object:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    today = date(2026, 11, 23)
    outcome = LookupError("no open round")
    failed = await asyncio.gather(
        *(cache.counter_form("C11", today, load) for _ in range(20)),  # type: ignore[arg-type]
        return_exceptions=True,
    )
    assert calls == 1 and all(isinstance(f, LookupError) for f in failed)
    outcome = "form"
    served = await asyncio.gather(
        *(cache.counter_form("C11", today, load) for _ in range(20))  # type: ignore[arg-type]
    )
    assert calls == 2 and served == ["form"] * 20
    assert await cache.counter_form("C11", today, load) == "form"  # type: ignore[arg-type]
    assert calls == 2
