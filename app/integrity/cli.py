"""`sipas integrity ...` and `sipas receipts ...`: the integrity tasks, a round's policy, and
batches of receipt codes for counters without integration."""

from __future__ import annotations

import csv as csvlib
import io
import json
from pathlib import Path

import typer

from app.audit.service import CLI
from app.auth.cli import _run
from app.config import get_settings
from app.db import Database, standalone_session
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.integrity import service
from app.integrity.policy import IntegrityPolicy
from app.integrity.schemas import ReceiptOut
from app.integrity.tasks import erase_expired, refresh_reports
from app.rounds.service import get_round
from app.sampling.sheets import cards_pdf
from app.units.service import get_unit

integrity_cli = typer.Typer(help="Collection limits, detection rules and the integrity report.")


@integrity_cli.command("refresh")
def refresh() -> None:
    """Recompute the integrity reports that changed and erase expired limit state, once
    (the app's background worker does this continually)."""
    settings = get_settings()

    async def run() -> tuple[int, int]:
        db = Database(settings)
        try:
            catalogue = Catalogue.from_directory(settings.forms_dir)
            async with db.write_sessions.begin() as session:
                await register_forms(session, catalogue)
            return await refresh_reports(db, catalogue, settings.timezone), await erase_expired(db)
        finally:
            await db.dispose()

    done, erased = _run(run())
    typer.echo(f"integrity reports refreshed: {done}; expired limit state erased: {erased}")


@integrity_cli.command("policy")
def policy(
    round_code: str = typer.Argument(..., metavar="ROUND"),
    set_: str | None = typer.Option(None, "--set", help="JSON of the policy's fields (audited)"),
) -> None:
    """Print a round's policy, or replace it with --set '{"limits": false}'."""
    settings = get_settings()

    async def run() -> IntegrityPolicy:
        async with standalone_session(settings) as session:
            round_ = await get_round(session, round_code)
            if set_ is None:
                return service.policy_for(round_)
            return await service.set_policy(session, CLI, round_, json.loads(set_))

    typer.echo(_run(run()).model_dump_json(indent=2))


def receipts(
    round_code: str = typer.Argument(..., metavar="ROUND", help="Round code."),
    unit: str = typer.Option(..., help="Unit code (the counter)."),
    count: int = typer.Option(..., min=1, max=5000, help="How many pre-printed slips."),
    pdf: Path | None = typer.Option(None, help="Write an A4 PDF of QR slips here."),
    csv: Path | None = typer.Option(None, help="Write a CSV (dossier, code, url) here."),
) -> None:
    """Pre-printed receipt codes for a counter without one-stop integration: each slip is
    handed with one dossier's receipt, and answers once."""
    if pdf is None and csv is None:
        typer.echo("error: give --pdf and/or --csv", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    from app.integrity.receipts import pre_printed_refs

    async def issue() -> tuple[list[ReceiptOut], str, str]:
        async with standalone_session(settings) as session:
            round_ = await get_round(session, round_code)
            refs = pre_printed_refs(count, settings.today())
            codes = await service.issue_receipts(session, CLI, settings, round_, unit, refs)
            return codes, round_.name, (await get_unit(session, unit)).name

    codes, round_name, unit_name = _run(issue())
    if csv is not None:
        out = io.StringIO()
        writer = csvlib.writer(out)
        writer.writerow(("dossier", "code", "url"))
        writer.writerows((c.dossier, c.code, c.url) for c in codes)
        csv.write_bytes(("\ufeff" + out.getvalue()).encode())
    if pdf is not None:
        cards = [(c.url, f"Mã hồ sơ: {c.dossier}") for c in codes]
        pdf.write_bytes(cards_pdf(round_name, unit_name, cards))
    typer.echo(f"issued {len(codes)} receipt codes for {unit} in {round_code}")
