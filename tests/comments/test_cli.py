"""`sipas comments sync`, run as an operator would, against the test database."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import Comment
from tests.comment_factories import respond
from tests.factories import make_province
from tests.test_cli import sipas_in


async def test_sync_command_creates_comments_once(app: FastAPI, database_url: str):
    province = await make_province(app)
    for i in range(5):
        await respond(app, province, "C11", f"Góp ý {i}" if i % 2 == 0 else None)
    first = sipas_in(database_url, "comments", "sync", "--batch", "2")
    assert first.returncode == 0, first.stderr
    # the two without a comment were stored as synced: the sync never visits them
    assert first.stdout.strip() == "3 response(s) checked, 3 comment(s) created"
    again = sipas_in(database_url, "comments", "sync")
    assert again.stdout.strip() == "0 response(s) checked, 0 comment(s) created"
    async with app.state.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Comment)) == 3
