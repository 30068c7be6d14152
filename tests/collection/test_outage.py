"""Citizens keep submitting while PostgreSQL restarts under a running server (a cluster this
test starts itself: the shared server is untouched).

What must hold: no 500 ever; during the outage citizens get a 503 page (Retry-After) that
keeps their answers and their submission id; every acknowledged response is stored exactly
once; the app recovers without a restart and the first requests after the restart succeed;
no driver noise ("cannot switch to state 15") in the logs. Figures: docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.migrate import upgrade
from app.models import Response
from tests.conftest import LiveServer
from tests.factories import bearer, form_body, make_key, make_province
from tests.pg_cluster import Cluster, find_binaries
from tests.sampling.invitation_helpers import invite

CITIZENS = 8
UNITS = ("C11", "C12", "C21")
OUTAGE_SECONDS = 2.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if os.environ.get("SIPAS_TEST_DATABASE_URL"):
        pytest.skip("runs in the SQLite pass: it brings its own PostgreSQL cluster")
    binaries = find_binaries()
    if binaries is None:
        message = "initdb/pg_ctl not found: the outage test needs PostgreSQL's server binaries"
        if os.environ.get("SIPAS_REQUIRE_FAULT_TEST"):
            pytest.fail(message)
        pytest.skip(message)
    own = Cluster(binaries)
    try:
        own.init()
        own.start()
        upgrade(own.url)
        yield own
    finally:
        own.destroy()


class Record:
    """Every answer the citizens and the API client got, by kind."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.acknowledged: set[str] = set()
        self.kept_pages = 0  # 503 pages that carried the citizen's answers and id back

    def saw(self, answer: httpx.Response) -> int:
        self.statuses.append(answer.status_code)
        assert answer.status_code < 500 or answer.status_code == 503, answer.text[:300]
        if answer.status_code == 503:
            assert int(answer.headers["retry-after"]) > 0
        return answer.status_code


async def citizen(client: httpx.AsyncClient, i: int, record: Record, stop: asyncio.Event):
    """Open the form and submit it, again and again; after a 503, send the same form again
    (as a citizen presses the button again) until it is acknowledged."""
    unit = UNITS[i % len(UNITS)]
    n = 0
    while not stop.is_set():
        page = await client.get(f"/s/{unit}")
        if record.saw(page) != 200:
            await asyncio.sleep(0.2)
            continue
        token = re.search(r'name="sid" value="([^"]+)"', page.text)
        assert token
        n += 1
        marker = f"citizen {i} form {n}"
        body = form_body(token.group(1), {"comment": marker})
        while record.saw(answer := await client.post(f"/s/{unit}", data=body)) == 503:
            assert marker in answer.text and token.group(1) in answer.text  # kept
            assert "Ông/Bà" in answer.text
            record.kept_pages += 1
            await asyncio.sleep(0.2)
        assert answer.status_code == 303, answer.status_code
        record.acknowledged.add(token.group(1))


async def seed(settings: Settings) -> tuple[str, str]:
    """The province, an API key and an invitation, through a short-lived app."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        province = await make_province(app)
        return await make_key(app, "P"), (await invite(app, province, "C12", 1))[0]


async def invited_citizen(client: httpx.AsyncClient, token: str, opened: str) -> str:
    """An invitation's form, opened before the outage and sent during it: the 503 page keeps
    every field; the page's own "send again" form (its hidden fields, as a browser would post
    them) is what the citizen sends after the restart. The submission id."""
    sid = re.search(r'name="sid" value="([^"]+)"', opened)
    assert sid
    marker = f"invited {sid.group(1)[:8]}"
    answer = await client.post(f"/t/{token}", data=form_body(sid.group(1), {"comment": marker}))
    assert answer.status_code == 503 and int(answer.headers["retry-after"]) > 0, answer.text[:300]
    assert marker in answer.text and sid.group(1) in answer.text and "Ông/Bà" in answer.text
    return answer.text


async def send_again(client: httpx.AsyncClient, token: str, kept: str) -> httpx.Response:
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', kept)
    return await client.post(f"/t/{token}", data={k: html.unescape(v) for k, v in fields})


async def stored(settings: Settings) -> int:
    db = Database(settings)
    try:
        async with db.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(Response)) or 0)
    finally:
        await db.dispose()


async def test_citizens_submitting_while_postgresql_restarts(
    cluster: Cluster, settings: Settings, caplog: pytest.LogCaptureFixture
):
    own = settings.model_copy(
        update={"database_url": cluster.url, "counter_cache_seconds": 10.0}  # production's
    )
    key, token = await seed(own)
    record, stop = Record(), asyncio.Event()
    caplog.set_level(logging.WARNING)
    with LiveServer(own) as server:
        limits = httpx.Limits(max_connections=CITIZENS + 2)
        async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
            citizens = [
                asyncio.create_task(citizen(client, i, record, stop)) for i in range(CITIZENS)
            ]
            opened = (await client.get(f"/t/{token}")).text
            await asyncio.sleep(1.0)
            before = len(record.acknowledged)
            await asyncio.to_thread(cluster.stop)
            await asyncio.sleep(OUTAGE_SECONDS / 2)
            kept = await invited_citizen(client, token, opened)
            during = await client.get("/api/v1/rounds", headers=bearer(key))
            assert record.saw(during) == 503 and during.json()["error"]["code"] == "unavailable"
            await asyncio.sleep(OUTAGE_SECONDS / 2)
            await asyncio.to_thread(cluster.start)
            back = time.perf_counter()
            # The first requests after the restart succeed: pooled connections the server
            # closed are replaced, not handed out.
            first = await client.get("/api/v1/rounds", headers=bearer(key))
            assert record.saw(first) == 200, first.text
            acknowledged_then = len(record.acknowledged)
            while len(record.acknowledged) < acknowledged_then + CITIZENS:
                await asyncio.sleep(0.05)
                for task in citizens:  # a citizen's failed check fails the test now
                    if task.done():
                        task.result()
                assert time.perf_counter() - back < 30, "no recovery within 30 s"
            recovery = time.perf_counter() - back
            stop.set()
            await asyncio.gather(*citizens)
            sent = await send_again(client, token, kept)
            assert sent.status_code == 303, sent.text[:300]
            again = await send_again(client, token, kept)  # a second tap: counted once
            assert again.status_code in (303, 410), again.status_code
    assert before > 0 and record.kept_pages > 0, (before, record.kept_pages)
    assert 500 not in record.statuses
    # each acknowledged one once, and the invitation's
    assert await stored(own) == len(record.acknowledged) + 1
    # asyncpg's own noise releasing broken connections; a submission that met such a
    # connection during the outage was answered 503 with its answers kept (our warning quotes
    # the driver's error): that is the handling this test asks for, not noise.
    noise = [
        r.getMessage()
        for r in caplog.records
        if "state 15" in r.getMessage() and r.name != "sipas.collection"
    ]
    assert not noise, noise[:3]
    print(
        f"\noutage test: {len(record.acknowledged)} stored, {record.kept_pages} pages kept "
        f"answers (503), {record.statuses.count(503)} × 503, recovery {recovery:.2f} s"
    )
