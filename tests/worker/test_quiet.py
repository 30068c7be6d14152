"""Heavy background analyses yield to requests: a task with ``defer`` waits until the process
has begun no request for a second (its requests go through the app's middleware, which marks
the activity), at most ``defer`` seconds; light tasks (folds, deliveries) never wait."""

from __future__ import annotations

import asyncio
import time

import httpx
from fastapi import FastAPI

from app.worker.loop import QUIET_SECONDS, Worker
from app.worker.registry import Context, Run, Task


def recorder(times: list[float]) -> Run:
    async def run(ctx: Context) -> int:
        times.append(time.monotonic())
        return 0

    return run


async def busy_for(client: httpx.AsyncClient, seconds: float) -> None:
    """Requests through the app, one every 0.2 s, for ``seconds``."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        assert (await client.get("/healthz")).status_code == 200
        await asyncio.sleep(0.2)


def worker(app: FastAPI, tasks: list[Task]) -> Worker:
    ctx = Context(app.state.db, app.state.settings, app.state.catalogue)
    return Worker(ctx, {t.name: t for t in tasks}, grace=1.0, activity=app.state.activity)


async def test_a_heavy_task_waits_for_a_quiet_moment_a_light_one_does_not(
    app: FastAPI, client: httpx.AsyncClient
):
    light: list[float] = []
    heavy: list[float] = []
    running = worker(
        app,
        [
            Task("light", recorder(light), 0.1, 5.0, 1.0, 1.0),
            Task("heavy", recorder(heavy), 0.1, 5.0, 1.0, 1.0, defer=60.0),
        ],
    )
    await client.get("/healthz")  # the process is busy before the worker starts
    running.start()
    try:
        await busy_for(client, 2.5)
        assert len(light) >= 5 and heavy == []  # collecting: only the light work ran
        quiet_from = time.monotonic()
        await asyncio.sleep(QUIET_SECONDS + 1.0)
        assert heavy and heavy[0] >= quiet_from  # it ran once the process was quiet
    finally:
        await running.stop()


async def test_a_heavy_task_runs_after_its_deferral_even_while_busy(
    app: FastAPI, client: httpx.AsyncClient
):
    heavy: list[float] = []
    running = worker(app, [Task("heavy", recorder(heavy), 0.1, 5.0, 1.0, 1.0, defer=1.0)])
    await client.get("/healthz")
    started = time.monotonic()
    running.start()
    try:
        await busy_for(client, 3.0)
        assert heavy, "a deferred task must not starve under constant traffic"
        assert heavy[0] - started >= 0.9  # it did wait its deferral first
    finally:
        await running.stop()
