"""`sipas sample-size`, `sipas frame import` and `sipas draw`: sampling from the command line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import typer

from app.audit.service import CLI
from app.config import get_settings
from app.db import standalone_session
from app.errors import AppError
from app.sampling.draws import create_draw
from app.sampling.frames import import_volumes
from app.sampling.listframe import import_dossiers
from app.sampling.scope import import_scope
from app.sampling.sizes import sample_size
from app.sampling.tabular import Progress

frame_cli = typer.Typer(help="A round's sampling frames (volumes, list of dossiers).")
T = TypeVar("T")


class SizeRule(StrEnum):
    yamane = "yamane"
    cochran = "cochran"


class FrameKind(StrEnum):
    volumes = "volumes"
    dossiers = "dossiers"


class Selection(StrEnum):
    srs = "srs"
    systematic = "systematic"


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run, and turn a refusal into a message (with the rejected rows) and exit status 1."""
    try:
        return asyncio.run(coro)
    except AppError as exc:
        for row in exc.extra.get("rejected", []):
            column = f", {row['column']}" if row["column"] else ""
            typer.echo(f"line {row['line']}{column}: {row['reason']}", err=True)
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None


@contextmanager
def _progress() -> Iterator[Progress | None]:
    """A progress bar on a terminal; nothing when the output is a file or a pipe."""
    if not sys.stdout.isatty():
        yield None
        return
    from rich.progress import Progress as Bar

    with Bar(transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def sample_size_command(
    frame: int = typer.Option(..., "--frame", min=0, help="N: completed transactions."),
    margin: float = typer.Option(0.05, min=0.0001, max=0.9999, help="Margin of error e."),
    method: SizeRule = typer.Option(SizeRule.yamane, help="Size rule."),
    proportion: float = typer.Option(
        0.5, min=0.0001, max=0.9999, help="Expected proportion p (cochran)."
    ),
) -> None:
    """Print the sample size n for a frame of N transactions (rounded up, never above N)."""
    typer.echo(sample_size(frame, method.value, margin, proportion))


@frame_cli.command("import")
def frame_import(
    round_code: str = typer.Argument(..., metavar="ROUND"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX."),
    kind: FrameKind = typer.Option(FrameKind.volumes, help="What the file lists."),
    replace: bool = typer.Option(False, help="dossiers: drop the round's current list first."),
) -> None:
    """Import a frame: all rows or none (rejected rows printed, exit status 1)."""
    from app.rounds.service import get_round

    async def run() -> Any:
        async with standalone_session(get_settings()) as session:
            scope = await import_scope(session, await get_round(session, round_code), None)
            with file.open("rb") as stream, _progress() as progress:
                if kind is FrameKind.volumes:
                    return await import_volumes(session, CLI, scope, stream)
                return await import_dossiers(session, CLI, scope, stream, replace, progress)

    report = _run(run())
    added = f"; added to the round: {', '.join(report.added_units)}" if report.added_units else ""
    typer.echo(
        f"imported {report.rows} row(s) of {kind.value} for {report.units} unit(s), "
        f"total {report.total}, in {report.seconds:.2f} s{added}"
    )


def draw_command(
    round_code: str = typer.Argument(..., metavar="ROUND"),
    seed: int | None = typer.Option(None, min=0, help="Seed (default: random, recorded)."),
    method: Selection = typer.Option(Selection.srs, help="Selection within strata."),
) -> None:
    """Draw the round's planned sample from its list frame; print the draw id and seed."""
    from app.rounds.service import get_round

    async def run() -> Any:
        async with standalone_session(get_settings()) as session:
            scope = await import_scope(session, await get_round(session, round_code), None)
            return await create_draw(session, CLI, scope, seed, method.value)

    draw = _run(run())
    typer.echo(
        f"draw {draw.id}: {draw.selected} dossier(s) from {len(draw.strata)} stratum/strata "
        f"(plan v{draw.plan_version}, {draw.method}, seed {draw.seed})"
    )


def plan_command(
    round_code: str = typer.Argument(..., metavar="ROUND"),
    rule: SizeRule = typer.Option(SizeRule.yamane, help="n = N/(1+N·e²), or Cochran with fpc."),
    margin: float = typer.Option(0.05, min=0.001, max=0.5, help="Margin of error e."),
    total: int | None = typer.Option(
        None, min=1, help="Share this total across strata (else a size per stratum)."
    ),
    allocation: str = typer.Option("proportional", help="proportional | equal | neyman"),
    minimum: int = typer.Option(0, min=0, help="At least this many per stratum (≤ N_h)."),
    maximum: int | None = typer.Option(None, min=1, help="At most this many per stratum."),
    threshold: int = typer.Option(0, min=0, help="Strata with fewer dossiers are small."),
    small: str = typer.Option("exclude", help="Small strata: exclude | merge (per parent)."),
) -> None:
    """Compute the round's sample plan from its frame and store it as the next version."""
    from pydantic import ValidationError

    from app.forms.registry import Catalogue
    from app.rounds.service import get_round
    from app.sampling.plans import compute_plan
    from app.sampling.schemas import PlanIn

    try:
        params = PlanIn.model_validate(
            {"rule": rule.value, "margin": margin, "total": total, "allocation": allocation}
            | {"method": "allocate" if total else "per-stratum", "minimum": minimum}
            | {"maximum": maximum, "threshold": threshold, "small": small}
        )
    except ValidationError as exc:
        typer.echo(f"error: {exc.errors()[0]['loc'][-1]}: {exc.errors()[0]['msg']}", err=True)
        raise typer.Exit(2) from None
    settings = get_settings()

    async def run() -> Any:
        catalogue = Catalogue.from_directory(settings.forms_dir)
        async with standalone_session(settings) as session:
            scope = await import_scope(session, await get_round(session, round_code), None)
            return await compute_plan(session, catalogue, CLI, scope, params)

    plan = _run(run())
    typer.echo(f"plan v{plan.version} ({plan.source}): n = {plan.total} of N = {plan.population}")
    for s in plan.strata:
        typer.echo(f"  {s.stratum}: N = {s.population}, n = {s.size}")
    for note in plan.notes:
        typer.echo(f"  note: {note}")
