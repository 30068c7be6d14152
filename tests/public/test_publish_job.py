"""Making a revision public is a background job: the request enqueues it (202 + Location),
a worker builds the open-data files, and the pages appear when it is done; withdrawing calls
off a publication still queued. Jobs state how long they waited and ran."""

from __future__ import annotations

from datetime import datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import Job, PublicFile
from app.worker.jobs import claim, execute, run_pending
from tests.public.helpers import make_public
from tests.reporting.conftest import held  # noqa: F401 - fixture
from tests.reporting.helpers import audit_actions, staff_client
from tests.reporting.test_jobs import asgi, closed_province

PUBLIC = "/api/v1/rounds/R2026/revisions/1/public"


async def frozen_in_background(app: FastAPI, client: httpx.AsyncClient) -> dict:
    await closed_province(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    asked = await client.post("/api/v1/rounds/R2026/freeze", json={"note": "công bố"})
    assert asked.status_code == 202, asked.text
    assert await run_pending(app.state.worker_ctx) == 1
    return dict((await client.get(asked.headers["location"])).json())


async def files_stored(app: FastAPI) -> int:
    async with app.state.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(PublicFile)) or 0)


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_publishing_is_a_job_whose_worker_builds_the_files(held: FastAPI):  # noqa: F811
    async with asgi(held) as client:
        frozen = await frozen_in_background(held, client)
        timing = frozen["timing"]  # the freeze counted its units
        assert timing["done"] == timing["total"] == frozen["result"]["units"] == 6
        assert timing["percent"] == 100.0 and timing["attempts"] == 1
        assert moment(timing["queued_at"]) <= moment(timing["started_at"])
        assert moment(timing["started_at"]) <= moment(timing["finished_at"])
        assert timing["duration_seconds"] >= timing["run_seconds"] >= 0

        asked = await client.put(PUBLIC, json={"public": True})
        assert asked.status_code == 202, asked.text
        body = asked.json()
        job = body["job"]
        assert body["public"] is False and body["files"] == {} and job["kind"] == "public.publish"
        assert asked.headers["location"] == job["url"] and job["status"] == "queued"
        assert job["timing"]["started_at"] is None and job["timing"]["run_seconds"] is None
        again = await client.put(PUBLIC, json={"public": True})
        assert again.status_code == 202 and again.json()["job"]["id"] == job["id"]
        assert await files_stored(held) == 0  # nothing was built in the requests
        assert (await client.get("/public/R2026")).status_code == 404
        page = (await client.get("/console/rounds/R2026/revisions")).text
        assert f'id="job-{job["id"]}" data-status="queued"' in page
        assert 'http-equiv="refresh"' in page and "Công khai phiên bản 1" in page

        assert await run_pending(held.state.worker_ctx) == 1
        done = (await client.get(job["url"])).json()
        assert done["status"] == "done" and done["result"]["created"] is True
        assert done["timing"]["run_seconds"] is not None and done["timing"]["total"] == 6
        assert done["timing"]["duration_seconds"] >= done["timing"]["wait_seconds"]
        assert (await client.get("/public/R2026")).status_code == 200
        package = await client.get(done["result"]["files"]["datapackage.json"])
        assert package.status_code == 200 and await files_stored(held) == 6
        now = await client.put(PUBLIC, json={"public": True})  # public already: at once
        assert now.status_code == 200 and now.json()["public"] is True
        assert now.json()["job"] is None and now.json()["files"] == done["result"]["files"]
        page = (await client.get("/console/rounds/R2026/revisions")).text
        assert f'id="job-{job["id"]}" data-status="done"' in page
        assert 'http-equiv="refresh"' not in page and 'class="timing"' in page
    assert await audit_actions(held, "round.publish") == 1


async def test_withdrawing_calls_off_a_queued_publication(held: FastAPI):  # noqa: F811
    async with asgi(held) as client:
        await frozen_in_background(held, client)
        job = (await client.put(PUBLIC, json={"public": True})).json()["job"]
        gone = await client.put(PUBLIC, json={"public": False})
        assert gone.status_code == 200 and gone.json()["public"] is False
        assert await run_pending(held.state.worker_ctx) == 0  # nothing left to run
        called_off = (await client.get(job["url"])).json()
        assert called_off["status"] == "failed" and "withdrawn" in called_off["error"]
        assert (await client.get("/public/R2026")).status_code == 404
        assert await files_stored(held) == 0
        # Asked again: a new job, which publishes.
        second = await client.put(PUBLIC, json={"public": True})
        assert second.status_code == 202 and second.json()["job"]["id"] != job["id"]
        await run_pending(held.state.worker_ctx)
        assert (await client.get("/public/R2026")).status_code == 200
    assert await audit_actions(held, "round.publish") == 1
    assert await audit_actions(held, "round.unpublish") == 0  # it was never public


async def test_a_publication_withdrawn_while_it_runs_writes_nothing(held: FastAPI):  # noqa: F811
    """A worker has taken the job when the staff member withdraws: it builds the files, then
    finds its job called off and writes nothing."""
    async with asgi(held) as client:
        await frozen_in_background(held, client)
        job = (await client.put(PUBLIC, json={"public": True})).json()["job"]
        claimed = await claim(held.state.db, job["id"])
        assert claimed is not None and claimed.status == "running"
        assert (await client.put(PUBLIC, json={"public": False})).status_code == 200
        assert await execute(held.state.worker_ctx, claimed) == "ok"
        assert (await client.get("/public/R2026")).status_code == 404
        assert await files_stored(held) == 0
        status = (await client.get(job["url"])).json()
        assert status["status"] == "failed" and "withdrawn" in status["error"]
    assert await audit_actions(held, "round.publish") == 0


async def test_without_a_worker_the_request_publishes(app: FastAPI, client: httpx.AsyncClient):
    """No worker in the process (the CLI, a test app): the request runs the job itself."""
    await closed_province(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    assert (await client.post("/api/v1/rounds/R2026/freeze")).status_code == 200
    made = await make_public(client)
    assert made["public"] is True and made["job"]["status"] == "done"
    assert made["job"]["timing"]["run_seconds"] is not None
    async with app.state.db.sessions() as session:
        kinds = (await session.scalars(select(Job.kind).order_by(Job.id))).all()
    assert kinds == ["reporting.freeze", "public.publish"]
