"""``sipas i18n``: keep the translation catalogues in step with the templates and code."""

from __future__ import annotations

import typer

from app.i18n.catalogue import languages, problems, update

app = typer.Typer(help="Translation catalogues (app/locale/<lang>/LC_MESSAGES/messages.po).")


@app.command("update")
def update_command() -> None:
    """Extract marked messages and merge them into every catalogue (new ones untranslated)."""
    for lang in languages():
        typer.echo(f"updated {update(lang)}")


@app.command("check")
def check_command() -> None:
    """List untranslated or inconsistent messages; exit 1 if there are any."""
    found = [(lang, p) for lang in languages() for p in problems(lang)]
    for lang, problem in found:
        typer.echo(f"{lang}: {problem}")
    if found:
        raise typer.Exit(1)
    typer.echo("every message is translated")
