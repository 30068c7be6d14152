"""Racing submissions over real HTTP against a running server."""

from __future__ import annotations

import asyncio
import re

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import Answer, Response
from tests.conftest import LiveServer
from tests.factories import CRITERIA, form_body, make_province


async def test_twenty_concurrent_posts_of_one_submission_store_one_row(
    app: FastAPI, live_server: LiveServer
):
    await make_province(app)
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
        page = await client.get("/s/C11")
        match = re.search(r'name="sid" value="([^"]+)"', page.text)
        assert match
        body = form_body(match.group(1))
        answers = await asyncio.gather(*(client.post("/s/C11", data=body) for _ in range(20)))
    assert [a.status_code for a in answers] == [303] * 20
    async with app.state.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Response)) == 1
        assert await session.scalar(select(func.count()).select_from(Answer)) == len(CRITERIA) + 1


async def test_concurrent_distinct_submissions_are_all_stored(
    app: FastAPI, live_server: LiveServer
):
    await make_province(app)
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
        pages = await asyncio.gather(*(client.get(f"/s/{c}") for c in ["C11", "C12", "C21"] * 10))
        posts = []
        for page in pages:
            unit = page.url.path.rsplit("/", 1)[1]
            token = re.search(r'name="sid" value="([^"]+)"', page.text)
            assert token
            posts.append(client.post(f"/s/{unit}", data=form_body(token.group(1))))
        answers = await asyncio.gather(*posts)
    assert all(a.status_code == 303 for a in answers)
    async with app.state.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Response)) == 30
