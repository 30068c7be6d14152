"""`sipas tallies`: the state of rounds' maintained tallies, and rebuilding them by hand."""

from __future__ import annotations

import asyncio
import sys

import typer
from sqlalchemy import func, select, update

from app.config import get_settings
from app.models import Round, TallyQueue, TallyState
from app.rounds.service import get_round
from app.statistics.tasks import fold_one
from app.worker.cli import standalone_context

tallies_cli = typer.Typer(help="Maintained tallies of rounds (folded by the background worker).")
STEPS = ("batch", "tally_cell", "tally_pair", "stamps")


async def _status() -> list[tuple[str, str]]:
    async with standalone_context(get_settings()) as ctx, ctx.db.sessions() as session:
        queued = dict(
            (
                await session.execute(
                    select(TallyQueue.round_id, func.count()).group_by(TallyQueue.round_id)
                )
            ).all()
        )
        rows = await session.execute(
            select(Round.code, Round.id, TallyState.as_of, TallyState.stale, TallyState.folded)
            .outerjoin(TallyState, TallyState.round_id == Round.id)
            .order_by(Round.id)
        )
        return [
            (code, f"as_of={as_of} stale={stale} folds={folded} queued={queued.get(rid, 0)}")
            for code, rid, as_of, stale, folded in rows
        ]


@tallies_cli.command("status")
def status() -> None:
    """Per round: when its tallies were last folded, whether a rebuild is due, what is queued."""
    for code, line in asyncio.run(_status()):
        typer.echo(f"{code}: {line}")


async def _rebuild(round_code: str, show: bool) -> tuple[str, int]:
    async with standalone_context(get_settings()) as ctx:
        async with ctx.db.write_sessions.begin() as session:
            round_ = await get_round(session, round_code)
            await session.execute(
                update(TallyState).where(TallyState.round_id == round_.id).values(stale=True)
            )
        if not show:
            done = await fold_one(ctx, round_)
            return done.kind, done.rows
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            job = bar.add_task(f"rebuilding {round_code}", total=len(STEPS))

            def advance(step: str) -> None:
                if step in STEPS:
                    bar.update(job, completed=STEPS.index(step), description=step)

            done = await fold_one(ctx, round_, advance)
        return done.kind, done.rows


@tallies_cli.command("rebuild")
def rebuild(round_code: str) -> None:
    """Rebuild a round's tallies from its valid responses now (reports meanwhile serve the
    previous figures, marked stale)."""
    kind, rows = asyncio.run(_rebuild(round_code, sys.stdout.isatty()))
    typer.echo(f"{round_code}: {kind}, {rows} response(s)")
