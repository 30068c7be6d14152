"""`sipas forms ...`: check instrument files before they reach a server."""

from __future__ import annotations

from pathlib import Path

import typer

from app.forms.loader import FileProblem, FormFileError, load_catalogue, load_file

forms_cli = typer.Typer(help="Survey instruments (survey_forms/*.yaml).", no_args_is_help=True)


def _check(path: Path) -> tuple[int, list[FileProblem]]:
    try:
        if path.is_dir():
            return len(load_catalogue(path)), []
        load_file(path)
        return 1, []
    except FormFileError as exc:
        return 0, exc.problems


@forms_cli.command("check")
def check(
    path: Path | None = typer.Argument(
        None, help="A file or a directory; default: the configured forms directory."
    ),
) -> None:
    """Validate instruments; print file:line: problem for each error, exit 1 on any."""
    if path is None:
        from app.config import get_settings

        path = get_settings().forms_dir
    if not path.exists():
        typer.echo(f"{path}: no such file or directory", err=True)
        raise typer.Exit(1)
    count, problems = _check(path)
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(1)
    typer.echo(f"{count} instrument(s) OK")
