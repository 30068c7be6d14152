"""`sipas tokens ROUND --unit CODE --count N --pdf OUT [--csv OUT]`: printable invitations."""

from __future__ import annotations

from pathlib import Path

import typer

from app.audit.service import CLI
from app.auth.cli import _run
from app.config import get_settings
from app.db import standalone_session
from app.errors import AppError
from app.rounds.service import get_round
from app.sampling.invitations import MAX_BATCH, IssuedBatch, issue_invitations
from app.sampling.sheets import font_path, invitations_csv, invitations_pdf


def _check_target(path: Path | None) -> None:
    if path is not None and not path.parent.is_dir():
        typer.echo(f"error: directory {path.parent} does not exist", err=True)
        raise typer.Exit(2)


def tokens(
    round_code: str = typer.Argument(..., metavar="ROUND", help="Round code."),
    unit: str = typer.Option(..., help="Unit code the invitations open the form for."),
    count: int = typer.Option(..., min=1, max=MAX_BATCH, help="How many invitations."),
    stratum: str | None = typer.Option(None, help="Stratum within the unit, if any."),
    pdf: Path | None = typer.Option(None, help="Write an A4 PDF of QR cards here."),
    csv: Path | None = typer.Option(None, help="Write a CSV of links (SMS/Zalo) here."),
) -> None:
    """Issue single-use invitation links; they are written only to these files."""
    if pdf is None and csv is None:
        typer.echo("error: give --pdf and/or --csv: the links are shown nowhere else", err=True)
        raise typer.Exit(2)
    _check_target(pdf)
    _check_target(csv)
    if pdf is not None:
        try:
            font_path()  # refuse before issuing anything when no PDF can be made
        except AppError as exc:
            typer.echo(f"error: {exc.detail}", err=True)
            raise typer.Exit(1) from exc
    settings = get_settings()

    async def issue() -> IssuedBatch:
        async with standalone_session(settings) as session:
            round_ = await get_round(session, round_code)
            return await issue_invitations(session, CLI, round_, unit, stratum=stratum, count=count)

    batch: IssuedBatch = _run(issue())
    # Written after the commit (the write lock is not held while drawing).
    if csv is not None:
        csv.write_bytes(invitations_csv(batch, settings.public_base_url))
    if pdf is not None:
        pdf.write_bytes(invitations_pdf(batch, settings.public_base_url))
    written = " and ".join(str(p) for p in (pdf, csv) if p is not None)
    typer.echo(f"issued {len(batch.invitations)} invitations for {unit} in {round_code}: {written}")
