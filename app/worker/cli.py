"""`sipas worker`: the background tasks outside the web server (once, or until stopped).

The web server runs the same worker in its lifespan; this command is for running the tasks
once (cron, a deployment step, tests) or in a process of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

import typer

from app.config import Settings, get_settings
from app.db import Database
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.worker.loop import Worker
from app.worker.registry import Context
from app.worker.tasks import load_tasks


@contextlib.asynccontextmanager
async def standalone_context(settings: Settings) -> AsyncIterator[Context]:
    """A worker's context outside the app: its own database and registered catalogue."""
    db = Database(settings)
    try:
        catalogue = Catalogue.from_directory(settings.forms_dir)
        async with db.write_sessions.begin() as session:
            await register_forms(session, catalogue)
        yield Context(db, settings, catalogue)
    finally:
        await db.dispose()


async def _run(once: bool, only: list[str]) -> dict[str, int]:
    settings = get_settings()
    async with standalone_context(settings) as ctx:
        tasks = {n: t for n, t in load_tasks().items() if not only or n in only}
        worker = Worker(ctx, tasks)
        if once:
            return await worker.run_once()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        worker.start()
        await stop.wait()
        await worker.stop()
        return {}


def worker(
    once: bool = typer.Option(False, help="Run every task once, then exit."),
    task: list[str] = typer.Option([], help="Only these tasks (repeatable)."),
) -> None:
    """Run the background tasks (tally folds, comment sync, ...) once or until stopped."""
    from app.main import configure_logging

    configure_logging(get_settings())
    done = asyncio.run(_run(once, task))
    for name, rows in done.items():
        typer.echo(f"{name}: {rows} row(s)")
