"""The background worker inside each app process (and ``sipas worker`` from the CLI).

Each registered task (app.worker.registry) has its own loop: wait for its period or a wake-up,
run, log one structured line, repeat; so a long rebuild never holds up the comment sync. The
worker starts in the app's lifespan and stops with it: on stop, running jobs get ``grace``
seconds to finish their transaction, then are cancelled (and roll back: every task is
idempotent, the next run picks up what is left). Replicas each run a worker; tasks coordinate
through the database, so adding a replica adds workers, not a new kind of server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.models.base import utcnow
from app.worker.registry import Context, Task

log = logging.getLogger("sipas.worker")
QUIET_SECONDS = 1.0  # a process is quiet when no request began for this long


class Activity:
    """When this process last began a request (set by app.middleware.RequestLogMiddleware).
    Heavy background tasks (``defer``) wait for a quiet moment, so that a burst of citizens'
    submissions is not slowed by analyses that can run a minute later; they run anyway after
    their ``defer`` seconds, and every figure says how fresh it is."""

    def __init__(self) -> None:
        self.last = float("-inf")

    def begin(self) -> None:
        self.last = time.monotonic()

    def quiet(self) -> bool:
        return time.monotonic() - self.last >= QUIET_SECONDS


def log_job(ctx: Context, task: str, outcome: str, rows: int, seconds: float, **more: Any) -> None:
    """One structured line per job: task, outcome, rows, duration (and e.g. the round)."""
    record = {"event": "job", "task": task, "outcome": outcome, "rows": rows}
    record |= {"ms": round(seconds * 1000, 1), **more}
    level = logging.INFO if rows or outcome != "ok" else logging.DEBUG
    if ctx.settings.log_format == "json":
        log.log(level, json.dumps(record, default=str, ensure_ascii=False))
    else:
        log.log(level, " ".join(f"{k}={v}" for k, v in record.items()))


@dataclass
class TaskState:
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    runs: int = 0
    failures: int = 0  # consecutive
    last_at: datetime | None = None
    last_outcome: str | None = None


class Worker:
    """Runs the registered tasks of one process until stopped."""

    def __init__(
        self,
        ctx: Context,
        tasks: dict[str, Task],
        grace: float = 10.0,
        activity: Activity | None = None,
    ) -> None:
        self.ctx = ctx
        self.activity = activity
        if activity is not None:
            ctx.busy = lambda: not activity.quiet()
        self.tasks = dict(tasks)
        self.grace = grace
        self.state = {name: TaskState() for name in self.tasks}
        self.heartbeat: float | None = None  # time.monotonic() of the last loop turn
        self._stop = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []

    async def run_job(self, task: Task) -> int:
        """Run ``task`` once (with its timeout), log it and record the outcome."""
        state, started = self.state[task.name], time.monotonic()
        rows, outcome, error = 0, "ok", None
        try:
            rows = await asyncio.wait_for(task.run(self.ctx), task.timeout)
        except TimeoutError:
            outcome = "timeout"
        except Exception as exc:  # a task's failure must not stop the worker
            outcome, error = "error", f"{type(exc).__name__}: {exc}"[:300]
        state.runs += 1
        state.failures = 0 if outcome == "ok" else state.failures + 1
        state.last_at, state.last_outcome = utcnow(), outcome
        extra = {"error": error} if error else {}
        log_job(self.ctx, task.name, outcome, rows, time.monotonic() - started, **extra)
        return rows

    async def run_once(self) -> dict[str, int]:
        """Every task once, one after the other (the CLI's ``sipas worker --once``)."""
        return {name: await self.run_job(task) for name, task in self.tasks.items()}

    def wake(self, name: str) -> None:
        """Run the task now rather than at its next period (no-op for unknown names)."""
        if name in self.state:
            self.state[name].wake.set()

    async def _quiet_moment(self, task: Task) -> None:
        """Wait (at most ``task.defer`` s) until no request has begun for QUIET_SECONDS."""
        if not task.defer or self.activity is None:
            return
        deadline = time.monotonic() + task.defer
        while not self.activity.quiet() and time.monotonic() < deadline:
            if self._stop.is_set():
                return
            self.heartbeat = time.monotonic()
            await asyncio.sleep(QUIET_SECONDS / 2)

    async def _loop(self, task: Task) -> None:
        state = self.state[task.name]
        while not self._stop.is_set():
            self.heartbeat = time.monotonic()
            await self._quiet_moment(task)
            if self._stop.is_set():
                break
            await self.run_job(task)
            pause = task.every
            if state.failures:
                pause = max(pause, min(task.max_backoff, task.backoff * 2 ** (state.failures - 1)))
            state.wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._woken(state), pause)

    async def _woken(self, state: TaskState) -> None:
        stop = asyncio.ensure_future(self._stop.wait())
        wake = asyncio.ensure_future(state.wake.wait())
        try:
            await asyncio.wait((stop, wake), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            wake.cancel()

    def start(self) -> None:
        """Start one loop per task in the running event loop."""
        self._stop.clear()
        self._loops = [asyncio.create_task(self._loop(t), name=n) for n, t in self.tasks.items()]

    async def stop(self) -> None:
        """Ask the loops to stop; give running jobs ``grace`` seconds, then cancel them."""
        self._stop.set()
        if not self._loops:
            return
        _, running = await asyncio.wait(self._loops, timeout=self.grace)
        for loop in running:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []

    @property
    def running(self) -> bool:
        return any(not loop.done() for loop in self._loops)

    def status(self) -> dict[str, Any]:
        """For /readyz: heartbeat age, each task's last run, and what long jobs are doing."""
        age = None if self.heartbeat is None else time.monotonic() - self.heartbeat
        return {
            "running": self.running,
            "heartbeat_seconds": None if age is None else round(age, 3),
            "tasks": {
                name: {
                    "runs": s.runs,
                    "last_at": s.last_at.isoformat() if s.last_at else None,
                    "last_outcome": s.last_outcome,
                    "failures": s.failures,
                }
                for name, s in self.state.items()
            },
            "progress": dict(self.ctx.progress),
        }
