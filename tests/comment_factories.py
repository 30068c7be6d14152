"""Responses with free text, and comments made from them, for the responses and comments tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import func, select, update

from app.collection.answers import ParsedAnswer
from app.comments.sync import sync_pending
from app.models import Comment, Response
from tests.factories import Province, add_response, ratings


def with_comment(
    text: str | None, values: dict[str, int | str] | None = None
) -> list[ParsedAnswer]:
    """All criteria (``values`` override the default 5), field 'land', and the comment text."""
    answers = ratings(values or {})
    if text is not None:
        answers.append(ParsedAnswer("comment", 0, None, text))
    return answers


async def respond(
    app: FastAPI,
    province: Province,
    unit: str,
    text: str | None = "Cán bộ nhiệt tình",
    values: dict[str, int | str] | None = None,
    submitted_at: datetime | None = None,
) -> int:
    """Store a response through the collection service; its id. ``submitted_at`` backdates it."""
    await add_response(app, province, unit, with_comment(text, values))
    async with app.state.db.write_sessions.begin() as session:
        response_id = int(await session.scalar(select(func.max(Response.id))) or 0)
        if submitted_at is not None:
            await session.execute(
                update(Response).where(Response.id == response_id).values(submitted_at=submitted_at)
            )
    return response_id


async def sync(app: FastAPI) -> int:
    """Materialise pending comments, as listing them does; the number created."""
    return (await sync_pending(app.state.db, app.state.settings))[1]


async def comment_of(app: FastAPI, response_id: int) -> int:
    await sync(app)
    async with app.state.db.sessions() as session:
        found = await session.scalar(select(Comment.id).where(Comment.response_id == response_id))
    assert found is not None, f"response {response_id} has no comment"
    return int(found)


def days_ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)
