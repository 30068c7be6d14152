"""Freezing and microdata files are background jobs: a request enqueues (202 + Location,
idempotent), a worker of any replica builds, the result is served when ready."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import Job, ReportSnapshot, Round
from app.models.base import utcnow
from app.worker.jobs import LEASE, run_pending
from app.worker.loop import Worker
from app.worker.registry import Context, Task
from tests.conftest import LiveServer, _truncate
from tests.factories import (
    Province,
    add_response,
    bearer,
    make_key,
    make_province,
    ratings,
)
from tests.reporting.helpers import audit_actions, staff_client

MICRODATA = "/api/v1/rounds/R2026/microdata"


async def _idle(ctx: Context) -> int:
    return 0


def held_worker(app: FastAPI) -> Worker:
    """A running worker that does not run jobs: they stay queued until the test runs them
    (``run_pending``), so what requests enqueue can be counted."""
    return Worker(app.state.worker_ctx, {"idle": Task("idle", _idle, 3600.0, 10.0, 1.0, 1.0)})


def _with_held_worker(settings: Settings) -> FastAPI:
    application = create_app(settings)
    application.state.worker_ctx = Context(
        application.state.db, settings, application.state.catalogue
    )
    application.state.worker = held_worker(application)
    return application


@pytest.fixture
async def background(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app as served: its worker runs every task, jobs included."""
    application = create_app(settings.model_copy(update={"worker": True}))
    await _truncate(application.state.db)
    async with application.router.lifespan_context(application):
        yield application


def asgi(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver")


async def until_finished(client: httpx.AsyncClient, url: str, **kw: object) -> dict:
    deadline = time.monotonic() + 60
    while True:
        answer = await client.get(url, **kw)  # type: ignore[arg-type]
        assert answer.status_code in (200, 202), answer.text
        if answer.status_code == 200:
            return dict(answer.json())
        assert answer.json()["status"] in ("queued", "running")
        assert time.monotonic() < deadline, answer.text
        await asyncio.sleep(0.1)


async def jobs_of(app: FastAPI, kind: str | None = None) -> list[Job]:
    async with app.state.db.sessions() as session:
        query = select(Job).order_by(Job.id)
        if kind:
            query = query.where(Job.kind == kind)
        return list((await session.scalars(query)).all())


async def revisions(app: FastAPI) -> int:
    async with app.state.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ReportSnapshot)) or 0)


async def closed_province(app: FastAPI) -> Province:
    province = await make_province(app, status="closed")
    await add_response(app, province, "C11", ratings({}, default=5))
    await add_response(app, province, "C12", ratings({}, default=2))
    await add_response(app, province, "C21", ratings({}, default=4))
    return province


async def test_the_worker_freezes_in_the_background(background: FastAPI):
    await closed_province(background)
    async with asgi(background) as client:
        await staff_client(background, client, "admin@x.vn", [("admin", "P")])
        asked = await client.post("/api/v1/rounds/R2026/freeze", json={"note": "công bố"})
        assert asked.status_code == 202, asked.text
        job = asked.json()
        assert job["status"] in ("queued", "running") and job["kind"] == "reporting.freeze"
        assert asked.headers["location"] == f"/api/v1/jobs/{job['id']}" == job["url"]
        done = await until_finished(client, asked.headers["location"])
        assert done["status"] == "done" and done["finished_at"] is not None
        result = done["result"]
        assert result["revision"] == 1 and result["created"] and result["units"] == 6
        assert result["note"] == "công bố" and result["created_by"].endswith("admin@x.vn")
        served = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
        assert served["snapshot"]["content_hash"] == result["content_hash"]
    assert await audit_actions(background, "round.freeze") == 1
    async with background.state.db.sessions() as session:
        assert await session.scalar(select(Round.status)) == "published"


@pytest.fixture
def held_server(settings: Settings, app: FastAPI) -> Iterator[LiveServer]:
    """The app on a real socket (uvicorn, its own database pool) with a held worker."""
    live = LiveServer(settings.model_copy(update={"public_base_url": "http://127.0.0.1"}))
    live.app.state.worker_ctx = Context(
        live.app.state.db, live.app.state.settings, live.app.state.catalogue
    )
    live.app.state.worker = held_worker(live.app)
    with live:
        yield live


async def test_two_concurrent_freezes_over_http_make_one_job(app: FastAPI, held_server: LiveServer):
    """Two requests at once get the same job; another process's worker (here: the test's
    own database pool) runs it, once; asking again after it finished starts a new job."""
    await closed_province(app)
    async with httpx.AsyncClient(base_url=held_server.url, timeout=60) as http:
        await staff_client(app, http, "admin@x.vn", [("admin", "P")])
        asked = await asyncio.gather(
            *(http.post("/api/v1/rounds/R2026/freeze", json={"note": "n"}) for _ in range(2))
        )
        assert [a.status_code for a in asked] == [202, 202], [a.text for a in asked]
        ids = {a.json()["id"] for a in asked}
        assert len(ids) == 1 and len(await jobs_of(app)) == 1
        assert (await http.get(asked[0].headers["location"])).json()["status"] == "queued"
        assert await revisions(app) == 0  # nothing was done in the requests

        ctx = Context(app.state.db, app.state.settings, app.state.catalogue)
        assert await run_pending(ctx) == 1
        assert await run_pending(ctx) == 0
        done = (await http.get(asked[0].headers["location"])).json()
        assert done["status"] == "done" and done["result"]["revision"] == 1
        again = await http.post("/api/v1/rounds/R2026/freeze")
        assert again.status_code == 202 and again.json()["id"] not in ids
        await run_pending(ctx)
        unchanged = (await http.get(again.headers["location"])).json()
        assert unchanged["result"]["revision"] == 1 and unchanged["result"]["created"] is False
    assert await revisions(app) == 1 and await audit_actions(app, "round.freeze") == 1


async def test_replicas_claim_each_job_once(held: FastAPI, settings: Settings):
    """Two workers with their own pools (two replicas) drain the queue together: each job
    runs once (FOR UPDATE SKIP LOCKED on PostgreSQL, one writer on SQLite)."""
    await closed_province(held)
    key = await make_key(held, "P")
    async with asgi(held) as client:
        await staff_client(held, client, "admin@x.vn", [("admin", "P")])
        assert (await client.post("/api/v1/rounds/R2026/freeze")).status_code == 202
        for fmt in ("csv", "sav", "dta", "codebook"):
            got = await client.get(MICRODATA, params={"format": fmt}, headers=bearer(key))
            assert got.status_code == 202, got.text
    replicas = [Database(settings), Database(settings)]
    try:
        ran = await asyncio.gather(
            *(run_pending(Context(db, settings, held.state.catalogue)) for db in replicas)
        )
    finally:
        for db in replicas:
            await db.dispose()
    jobs = await jobs_of(held)
    assert sum(ran) == 5 == len(jobs)
    assert [(j.status, j.attempts) for j in jobs] == [("done", 1)] * 5
    assert await revisions(held) == 1


async def test_microdata_built_in_the_background_then_served(held: FastAPI):
    province = await closed_province(held)
    key = await make_key(held, "P")
    ctx = held.state.worker_ctx
    async with asgi(held) as client:
        client.headers.update(bearer(key))
        asked = await client.get(MICRODATA, params={"format": "csv"})
        assert asked.status_code == 202 and asked.json()["format"] == "csv"
        again = await client.get(MICRODATA, params={"format": "csv"})
        assert again.status_code == 202 and again.json()["id"] == asked.json()["id"]
        assert (await client.get(asked.json()["url"] + "/file")).status_code == 404

        assert await run_pending(ctx) == 1
        status = (await client.get(asked.headers["location"])).json()
        assert status["status"] == "done" and status["result"]["responses"] == 3
        by_job = await client.get(status["file_url"])
        served = await client.get(MICRODATA, params={"format": "csv"})
        assert served.status_code == by_job.status_code == 200
        assert served.content == by_job.content and served.content.count(b"\n") == 4
        assert served.headers["content-disposition"].endswith('microdata.csv"')
        assert len(await jobs_of(held)) == 1  # served from the job, not built again

    # A new response: the figures changed, the file is built again.
    await add_response(held, province, "C21", ratings({}, default=3))
    async with asgi(held) as client:
        client.headers.update(bearer(key))
        rebuilt = await client.get(MICRODATA, params={"format": "csv"})
        assert rebuilt.status_code == 202, rebuilt.text
        await run_pending(ctx)
        fresh = await client.get(MICRODATA, params={"format": "csv"})
        assert fresh.status_code == 200 and fresh.content.count(b"\n") == 5


async def test_a_refused_job_fails_once_and_a_dead_one_is_taken_again(held: FastAPI):
    await closed_province(held)
    ctx = held.state.worker_ctx
    async with asgi(held) as client:
        await staff_client(held, client, "admin@x.vn", [("admin", "P")])
        first = (await client.post("/api/v1/rounds/R2026/freeze")).json()
        async with held.state.db.write_sessions.begin() as session:  # reopened meanwhile
            await session.execute(update(Round).values(status="open"))
        await run_pending(ctx)
        failed = await client.get(first["url"])
        assert failed.status_code == 200 and failed.json()["status"] == "failed"
        assert "close it before freezing" in failed.json()["error"]
        refused = await client.post("/api/v1/rounds/R2026/freeze")
        assert refused.status_code == 409  # checked in the request: nothing enqueued
        assert len(await jobs_of(held)) == 1

        async with held.state.db.write_sessions.begin() as session:
            await session.execute(update(Round).values(status="closed"))
        second = (await client.post("/api/v1/rounds/R2026/freeze")).json()
        # A worker claimed it, then died: after the lease, another takes it again.
        async with held.state.db.write_sessions.begin() as session:
            stale = utcnow() - LEASE * 2
            await session.execute(
                update(Job)
                .where(Job.id == second["id"])
                .values(status="running", attempts=1, heartbeat_at=stale)
            )
        assert await run_pending(ctx) == 1
        done = (await client.get(second["url"])).json()
        assert done["status"] == "done" and done["result"]["revision"] == 1
    job = (await jobs_of(held))[-1]
    assert job.attempts == 2


async def test_job_status_is_for_readers_of_the_round(held: FastAPI):
    await closed_province(held)
    async with asgi(held) as client:
        await staff_client(held, client, "admin@x.vn", [("admin", "P")])
        url = (await client.post("/api/v1/rounds/R2026/freeze")).json()["url"]
    outside = await make_key(held, "D2")
    async with asgi(held) as client:
        assert (await client.get(url, headers=bearer(outside))).status_code == 403
        assert (await client.get(url)).status_code == 401
        inside = await make_key(held, "P")
        assert (await client.get(url, headers=bearer(inside))).status_code == 202
        assert (await client.get("/api/v1/jobs/999999", headers=bearer(inside))).status_code == 404


async def test_console_freeze_shows_progress_until_done(held: FastAPI):
    await closed_province(held)
    async with asgi(held) as client:
        token = await staff_client(held, client, "admin@x.vn", [("admin", "P")])
        form = {"csrf_token": token, "confirm": "1", "note": "công bố"}
        posted = await client.post("/console/rounds/R2026/freeze", data=form)
        assert posted.status_code == 303
        assert posted.headers["location"].endswith("revisions?done=freeze-queued")
        page = (await client.get("/console/rounds/R2026/revisions")).text
        assert 'http-equiv="refresh"' in page and 'data-status="queued"' in page
        await run_pending(held.state.worker_ctx)
        page = (await client.get("/console/rounds/R2026/revisions")).text
        assert 'http-equiv="refresh"' not in page and 'data-status="done"' in page
        assert 'id="content-hash"' in page
