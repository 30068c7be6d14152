"""`sipas report ROUND --unit CODE --format docx|pdf`: the province's report document."""

from __future__ import annotations

from pathlib import Path

import typer

from app.auth.cli import _run
from app.config import get_settings
from app.db import Database, standalone_session
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.reporting.document.content import report_content
from app.reporting.document.render import DocumentFormat, file_name, render_document
from app.reporting.queries import Lang


def report(
    round_code: str = typer.Argument(..., metavar="ROUND"),
    unit: str | None = typer.Option(None, help="Unit code (default: the round's top unit)."),
    format: str = typer.Option("docx", help="docx | pdf"),
    revision: int | None = typer.Option(None, help="A published revision (default: the latest)."),
    out: Path | None = typer.Option(None, help="File to write (default: a name in the cwd)."),
    lang: str = typer.Option("vi", help="vi (Vietnamese, the province's report) | en"),
) -> None:
    """Write the report document (Báo cáo kết quả khảo sát sự hài lòng) of ROUND for a unit."""
    if format not in ("docx", "pdf"):
        typer.echo("error: --format is docx or pdf", err=True)
        raise typer.Exit(2)
    if lang not in ("vi", "en"):
        typer.echo("error: --lang is vi or en", err=True)
        raise typer.Exit(2)
    language: Lang = "en" if lang == "en" else "vi"
    fmt: DocumentFormat = "docx" if format == "docx" else "pdf"
    settings = get_settings()

    async def run() -> tuple[bytes, str, str]:
        catalogue = Catalogue.from_directory(settings.forms_dir)
        async with standalone_session(settings) as session:
            await register_forms(session, catalogue)
        # Read in a plain session: figures not folded yet are folded in a write transaction
        # of their own, which an open write transaction here would block (SQLite).
        db = Database(settings)
        try:
            async with db.sessions() as session:
                content = await report_content(
                    session, catalogue, settings, round_code, unit, None, revision, language
                )
        finally:
            await db.dispose()
        snap = content.report.snapshot
        state = f"revision {snap.revision} (sha256 {snap.content_hash})" if snap else "live data"
        return render_document(content, fmt), file_name(content, fmt), state

    body, name, state = _run(run())
    path = out or Path(name)
    path.write_bytes(body)
    typer.echo(f"{path}: {len(body)} bytes, {state}")
