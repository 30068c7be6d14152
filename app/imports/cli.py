"""`sipas responses import`, and what every import command shares: a progress bar on a
terminal (quiet otherwise), problems printed as FILE:LINE: column: reason, exit 1 on any."""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import Progress as Bar
from rich.progress import TaskID

from app.audit.service import CLI
from app.auth.cli import _run
from app.config import get_settings
from app.db import standalone_session
from app.forms.registry import Catalogue
from app.i18n import english
from app.imports.csvfile import ImportResult, Progress
from app.imports.responses import import_responses
from app.instruments.registry import register_forms
from app.rounds.service import get_round

responses_cli = typer.Typer(help="Responses collected outside the web form.", no_args_is_help=True)
DRY_RUN = typer.Option(False, "--dry-run", help="Check the file only; write nothing.")


class TerminalProgress(Progress):
    """A progress bar on standard error when it is a terminal; silent otherwise."""

    def __init__(self) -> None:
        tty = sys.stderr.isatty()
        self.bar = Bar(console=Console(stderr=True), transient=True) if tty else None
        self.task: TaskID | None = None

    def __enter__(self) -> TerminalProgress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.bar is not None:
            self.bar.stop()

    def start(self, phase: str, total: int | None) -> None:
        if self.bar is not None:
            if self.task is not None:
                self.bar.remove_task(self.task)
            self.task = self.bar.add_task(phase, total=total)

    def advance(self, steps: int = 1) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task, steps)


def report(path: Path, result: ImportResult, dry_run: bool) -> None:
    """Print the problems (stderr) or the counts (stdout); exit 1 if anything was rejected."""
    for e in result.errors:
        typer.echo(f"{path}:{e.line}: {e.column or '-'}: {english(e.reason)}", err=True)
    counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
    if result.error_count:
        more = result.error_count - len(result.errors)
        extra = f" ({more} more not shown)" if more else ""
        typer.echo(f"{result.error_count} problem(s){extra}; nothing was written", err=True)
        raise typer.Exit(1)
    state = "checked, nothing written (dry run)" if dry_run else "imported"
    typer.echo(f"{result.rows} row(s) {state}: {counts}")


def read_file(path: Path) -> bytes:
    if not path.is_file():
        typer.echo(f"{path}: no such file", err=True)
        raise typer.Exit(2)
    return path.read_bytes()


@responses_cli.command("import")
def responses_import(
    round_code: str = typer.Argument(..., metavar="ROUND"),
    path: Path = typer.Argument(..., metavar="FILE.csv"),
    dry_run: bool = DRY_RUN,
) -> None:
    """Import responses: unit, submitted_at, channel [, stratum, psu, weight, id], answers.

    Validated as the web form validates them; all rows or none. Re-importing does not
    duplicate (ids from the id column, else from each row's content; see the docs).
    """
    data = read_file(path)
    settings = get_settings()

    async def run() -> ImportResult:
        catalogue = Catalogue.from_directory(settings.forms_dir)
        async with standalone_session(settings) as session:
            await register_forms(session, catalogue)
            round_ = await get_round(session, round_code)
            form = catalogue.get(round_.form_code)
            with TerminalProgress() as progress:
                return await import_responses(
                    session,
                    CLI,
                    round_,
                    form,
                    data,
                    ZoneInfo(settings.timezone),
                    dry_run=dry_run,
                    progress=progress,
                )

    report(path, _run(run()), dry_run)
