"""Comments are materialised from free-text answers: once each, also under concurrency."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update

from app.collection.answers import ParsedAnswer
from app.collection.service import CounterForm, store_response
from app.comments.calendar import due_on, work_calendar
from app.comments.sync import has_pending, sync_batch
from app.models import Comment, Response
from tests.comment_factories import days_ago, respond, sync
from tests.factories import form_body, make_province


async def comments(app: FastAPI) -> list[tuple[int, str, date | None]]:
    async with app.state.db.sessions() as session:
        rows = await session.execute(
            select(Comment.response_id, Comment.question, Comment.due_on).order_by(Comment.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_free_text_becomes_one_comment_and_a_second_run_adds_nothing(app: FastAPI):
    province = await make_province(app)
    first = await respond(app, province, "C11", "Phải chờ lâu")
    await respond(app, province, "C12", None)  # no comment: nothing to handle
    await respond(app, province, "C21", "   ")  # blank: nothing to handle
    na = await respond(app, province, "C21", None, values={"ACC1": "na"})  # 'na' is not text
    assert await sync(app) == 1
    assert [(r, q) for r, q, _ in await comments(app)] == [(first, "comment")]
    assert await sync(app) == 0
    assert len(await comments(app)) == 1
    async with app.state.db.sessions() as session:
        assert not await has_pending(session)
        synced = await session.scalar(select(Response.comments_synced).where(Response.id == na))
    assert synced is True


async def test_follow_up_why_answers_are_comments_too(app: FastAPI):
    province = await make_province(app, form_code="one-stop-kiosk")
    answers = [ParsedAnswer("field", 0, None, "land")]
    answers += [ParsedAnswer(f"K{i}", 0, 5.0, None) for i in range(2, 10)]
    answers += [ParsedAnswer("K1", 0, 2.0, None), ParsedAnswer("K1_why", 0, None, "Không có ghế")]
    async with app.state.db.write_sessions.begin() as session:
        form = app.state.catalogue.get("one-stop-kiosk")
        target = CounterForm(province.units["C11"], province.round, form)
        assert await store_response(session, target, str(uuid.uuid4()), answers)
    assert await sync(app) == 1
    assert [q for _, q, _ in await comments(app)] == ["K1_why"]


async def test_due_date_is_fifteen_working_days_after_submission(app: FastAPI):
    province = await make_province(app)
    submitted = days_ago(40)
    await respond(app, province, "C11", "Góp ý", submitted_at=submitted)
    await sync(app)
    settings = app.state.settings
    expected = due_on(submitted, settings, work_calendar(settings))
    assert [d for _, _, d in await comments(app)] == [expected]
    assert (expected - submitted.date()).days >= 21  # 15 working days span three weeks at least


async def test_concurrent_syncs_create_each_comment_once(app: FastAPI):
    province = await make_province(app)
    ids = [await respond(app, province, "C11", f"Góp ý số {i}") for i in range(30)]

    async def one() -> int:
        async with app.state.db.write_sessions.begin() as session:
            return (await sync_batch(session, app.state.settings))[1]

    created = await asyncio.gather(*(one() for _ in range(6)))
    assert sum(created) == 30  # each created by exactly one of the runs
    assert sorted(r for r, _, _ in await comments(app)) == ids


async def test_a_sync_racing_new_submissions_misses_none(app: FastAPI):
    province = await make_province(app)

    async def submit(n: int) -> None:
        for i in range(n):
            await respond(app, province, "C12", f"Ý kiến {i}")
            await asyncio.sleep(0)

    async def keep_syncing() -> None:
        for _ in range(10):
            await sync(app)
            await asyncio.sleep(0)

    await asyncio.gather(submit(15), keep_syncing())
    await sync(app)
    async with app.state.db.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Comment))
    assert count == 15


async def test_a_marked_response_without_its_comment_is_not_redone_but_rows_stay_unique(
    app: FastAPI,
):
    """Marking is what the sync relies on; the unique key is what makes re-runs harmless."""
    province = await make_province(app)
    rid = await respond(app, province, "C11", "Góp ý")
    await sync(app)
    async with app.state.db.write_sessions.begin() as session:  # as if a run were repeated
        await session.execute(update(Response).values(comments_synced=False))
    assert await sync(app) == 0
    assert [r for r, _, _ in await comments(app)] == [rid]


async def test_a_response_without_free_text_is_stored_synced_one_with_it_is_pending(
    app: FastAPI, client: httpx.AsyncClient
):
    """The collection path marks what the worker need never visit: choices and 'na' carry
    text too, but only a non-blank free-text answer makes a comment."""
    await make_province(app)
    stored = []
    for extra in ({"FBK1": "na", "gender": "female"}, {"comment": "Phải chờ lâu"}):
        page = (await client.get("/s/C11")).text
        token = re.search(r'name="sid" value="([^"]+)"', page)
        assert token is not None
        posted = await client.post("/s/C11", data=form_body(token.group(1), extra))
        assert posted.status_code == 303
        async with app.state.db.sessions() as session:
            stored.append(
                await session.scalar(
                    select(Response.comments_synced).order_by(Response.id.desc()).limit(1)
                )
            )
    assert stored == [True, False]
    assert await sync(app) == 1
    assert [q for _, q, _ in await comments(app)] == ["comment"]
