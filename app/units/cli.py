"""`sipas units ...`: import the hierarchy from CSV or XLSX, merge units into a successor."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from app.audit.service import CLI
from app.auth.cli import _run
from app.config import get_settings
from app.db import standalone_session
from app.imports.cli import DRY_RUN, TerminalProgress, read_file, report
from app.imports.csvfile import ImportResult
from app.imports.units import import_units
from app.units.lineage import MergeRequest, MergeResult, merge_units

units_cli = typer.Typer(help="Units: the hierarchy and its lineage.", no_args_is_help=True)


@units_cli.command("import")
def units_import(path: Path = typer.Argument(..., metavar="FILE"), dry_run: bool = DRY_RUN) -> None:
    """Create or update units from CSV or XLSX with columns code,name,level,parent.

    Parents may appear later in the file; unknown parents and cycles are rejected; all rows
    are written or none.
    """
    data = read_file(path)

    async def run() -> ImportResult:
        async with standalone_session(get_settings()) as session:
            with TerminalProgress() as progress:
                return await import_units(session, CLI, data, dry_run=dry_run, progress=progress)

    report(path, _run(run()), dry_run)


@units_cli.command("merge")
def units_merge(
    sources: list[str] = typer.Argument(..., metavar="UNIT...", help="Units merged."),
    into: str = typer.Option(..., help="The successor: an active unit, or a new code."),
    effective: datetime = typer.Option(
        ..., "--date", formats=["%Y-%m-%d"], help="First day of the successor (YYYY-MM-DD)."
    ),
    name: str | None = typer.Option(None, help="Name of a new successor."),
    level: str | None = typer.Option(None, help="Level of a new successor (default: theirs)."),
    parent: str | None = typer.Option(None, help="Parent of a new successor (default: theirs)."),
    move_children: bool = typer.Option(False, help="Move their active children under it."),
) -> None:
    """Merge units into a successor from a date; earlier results stay comparable."""
    day: date = effective.date()
    req = MergeRequest(sources, into, day, name, level, parent, move_children)

    async def run() -> MergeResult:
        async with standalone_session(get_settings()) as session:
            return await merge_units(session, CLI, req)

    result = _run(run())
    state = "created" if result.created else "existing"
    moved = f"; moved {', '.join(result.moved_children)}" if result.moved_children else ""
    typer.echo(f"merged {', '.join(result.merged)} into {result.successor} ({state}){moved}")
