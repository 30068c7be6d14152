"""Timings of the responses and comments paths on a seeded database.

    python bench/comments_timings.py sqlite:////tmp/pakn-bench.db 20000
    python bench/comments_timings.py postgresql://postgres@127.0.0.1:5432/DB 20000

The database is emptied and seeded with N responses to one-stop-counter (16 ratings, a
field, and a comment on 30% of them) over 50 counters, inserted in bulk (not through the
collection path: this times the sync and the queries, not submissions). Prints seconds for:
the backlog sync (all N pending, as on the first listing after upgrading), the check that
nothing is pending, a sync with 100 new responses, the first page of comments and of
responses, the on-time report, and a masked CSV export of everything.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, text

from app.audit.service import CLI, Actor
from app.auth.principal import Principal
from app.comments.calendar import local_today
from app.comments.ontime import OnTimeFilter, on_time_report
from app.comments.service import CommentFilter, list_comments
from app.comments.sync import has_pending, sync_pending
from app.config import Settings
from app.db import Database
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.migrate import upgrade
from app.models import Answer, Response
from app.models.base import utcnow
from app.responses.export import export_csv
from app.responses.service import ResponseFilter, list_responses
from app.rounds.service import create_round, set_volume
from app.units.service import upsert_unit
from tests.conftest import _truncate
from tests.factories import CRITERIA

SUPER = Principal(kind="user", id=0, label="bench", is_superadmin=True)
COMMENTS = ["Cán bộ nhiệt tình", "Phải chờ lâu, gọi 0912345678", "Cần thêm ghế chờ", "Tốt"]


async def seed(db: Database, settings: Settings, n: int, first: int = 1) -> None:
    catalogue = Catalogue.from_directory(settings.forms_dir)
    rng = random.Random(first)
    async with db.write_sessions.begin() as session:
        await register_forms(session, catalogue)
        form = catalogue.get("one-stop-counter")
        if first == 1:
            await upsert_unit(session, CLI, "P", "Tỉnh", "province", None)
            today = date.today()
            round_ = await create_round(
                session,
                CLI,
                code="B",
                name="bench",
                form_code="one-stop-counter",
                starts_on=today - timedelta(days=60),
                ends_on=today,
                status="open",
            )
            for i in range(50):
                unit = await upsert_unit(session, CLI, f"C{i:02}", f"Quầy {i}", "counter", "P")
                await set_volume(session, CLI, round_, unit, 1000 + i)
        units = [
            u for (u,) in await session.execute(text("SELECT id FROM unit WHERE code LIKE 'C%'"))
        ]
        round_id = (await session.execute(text("SELECT id FROM round"))).scalar_one()
        for start in range(first, first + n, 1000):
            ids = range(start, min(start + 1000, first + n))
            now = utcnow()
            responses: list[dict[str, Any]] = [
                {
                    "id": i,
                    "submission_id": str(uuid.uuid4()),
                    "round_id": round_id,
                    "unit_id": rng.choice(units),
                    "form_version_id": form.version_id,
                    "channel": "qr",
                    "status": "valid",
                    "submitted_at": now - timedelta(days=rng.randint(0, 40)),
                }
                for i in ids
            ]
            await session.execute(insert(Response), responses)
            answers = []
            for i in ids:
                answers += [
                    {
                        "response_id": i,
                        "question": c,
                        "ordinal": 0,
                        "value": float(rng.randint(1, 5)),
                        "text": None,
                    }
                    for c in CRITERIA
                ]
                answers.append(
                    {
                        "response_id": i,
                        "question": "field",
                        "ordinal": 0,
                        "value": None,
                        "text": "land",
                    }
                )
                if rng.random() < 0.3:
                    answers.append(
                        {
                            "response_id": i,
                            "question": "comment",
                            "ordinal": 0,
                            "value": None,
                            "text": rng.choice(COMMENTS),
                        }
                    )
            await session.execute(insert(Answer), answers)


async def timed(label: str, action: Callable[[], Awaitable[Any]]) -> Any:
    start = time.perf_counter()
    result = await action()
    print(f"{label:<45} {time.perf_counter() - start:8.3f} s")
    return result


async def main(url: str, n: int) -> None:
    settings = Settings(database_url=url, log_level="WARNING")
    db = Database(settings)
    await _truncate(db)
    await timed(f"seed {n} responses (bulk, not timed below)", lambda: seed(db, settings, n))
    made = await timed(f"sync backlog of {n} responses", lambda: sync_pending(db, settings))
    print(f"  -> {made[1]} comments created")

    async def pending() -> bool:
        async with db.sessions() as session:
            return await has_pending(session)

    await timed("check: anything pending? (none)", pending)
    await seed(db, settings, 100, first=n + 1)
    await timed("sync 100 new responses", lambda: sync_pending(db, settings))
    today = local_today(settings)
    async with db.sessions() as session:
        await timed(
            "first page of comments (50, with counts)",
            lambda: list_comments(session, SUPER, CommentFilter(), today),
        )
        await timed(
            "overdue comments, one counter",
            lambda: list_comments(session, SUPER, CommentFilter(unit="C07", overdue=True), today),
        )
        await timed(
            "first page of responses (50)",
            lambda: list_responses(session, SUPER, settings, ResponseFilter()),
        )
        await timed(
            "on-time report, 50 counters",
            lambda: on_time_report(session, SUPER, settings, today, OnTimeFilter(round="B")),
        )
        async with db.write_sessions() as audit:
            csv_text = await timed(
                f"CSV export of {n + 100} responses (masked)",
                lambda: export_csv(
                    session, audit, Actor("bench"), SUPER, settings, ResponseFilter()
                ),
            )
    print(f"  -> {len(csv_text) / 1e6:.1f} MB")
    await db.dispose()


if __name__ == "__main__":
    upgrade(sys.argv[1])  # Alembic runs its own event loop: before ours
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
