"""The registry of background tasks: what runs, how often, under which policy.

A domain declares its background work in its own ``tasks.py`` with ``@periodic``::

    from app.worker.registry import Context, periodic

    @periodic("statistics.fold", every=1.0, timeout=600)
    async def fold(ctx: Context) -> int:
        ...  # idempotent: safe in several processes at once and after a crash
        return rows_done

and lists that module in app/worker/tasks.py (TASK_MODULES). Every task is periodic and
idempotent: it looks in the database for work, does it in short transactions, coordinates
with other processes through the database (advisory try-locks, SKIP LOCKED, unique keys) and
returns how many rows it handled. ``wake(name)`` asks for an early run (e.g. a report asked
for fresh figures). A task raising is logged and retried at its next period, after
``backoff`` seconds doubled per consecutive failure (at most ``max_backoff``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from app.config import Settings
from app.db import Database


@dataclass
class Context:
    """What a task gets: the process's database, settings and catalogue, and ``progress``,
    where a long task reports what it is doing (shown in /readyz and status APIs)."""

    db: Database
    settings: Settings
    catalogue: Any  # app.forms.registry.Catalogue (not imported: no cycle with forms)
    progress: dict[str, Any] = field(default_factory=dict)
    # Whether requests are coming in to this process now (app.worker.loop.Activity): a long
    # heavy task stops early, between rows, and leaves the rest to its next run.
    busy: Callable[[], bool] = field(default=lambda: False)


Run = Callable[[Context], Awaitable[int]]


@dataclass(frozen=True)
class Task:
    name: str
    run: Run
    every: float  # seconds between runs
    timeout: float  # a run taking longer is cancelled (its transaction rolls back)
    backoff: float
    max_backoff: float
    # Heavy catch-up work that yields to requests: a run waits for a quiet moment in its
    # process (no request begun for QUIET_SECONDS), at most ``defer`` seconds (0: never waits).
    defer: float = 0.0


TASKS: dict[str, Task] = {}
# How long heavy analyses (improvement figures, target watch, integrity report, volumes from the
# feed) wait for a quiet moment at most: during a burst of submissions they run at least every
# ten minutes, and the figures they feed say how fresh they are.
DEFER = 600.0


def periodic(
    name: str,
    every: float,
    timeout: float = 600.0,
    backoff: float = 1.0,
    max_backoff: float = 60.0,
    defer: float = 0.0,
) -> Callable[[Run], Run]:
    """Register ``run`` as a background task named ``name`` (unique), run every ``every`` s
    (``defer``: at most that long waiting for no request in the process, see Task)."""

    def register(run: Run) -> Run:
        if name in TASKS and TASKS[name].run is not run:
            raise ValueError(f"background task {name!r} is registered twice")
        TASKS[name] = Task(name, run, every, timeout, backoff, max_backoff, defer)
        return run

    return register
