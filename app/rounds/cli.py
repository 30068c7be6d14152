"""`sipas rounds ...`: create a round over a unit's subtree; move it along its statuses; freeze
(publish) its figures once closed."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

import typer

from app.audit.service import CLI
from app.auth.cli import _run
from app.config import get_settings
from app.db import standalone_session
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.reporting.jobs import Jobs, request_freeze
from app.rounds.inference import change_inference
from app.rounds.service import change_status, get_round, round_unit_id
from app.rounds.setup import RoundSpec, create_round_over
from app.worker.cli import standalone_context
from app.worker.jobs import get_job

rounds_cli = typer.Typer(help="Survey rounds.", no_args_is_help=True)
DAY = ["%Y-%m-%d"]


def _day(value: datetime | None, default: date) -> date:
    return value.date() if value else default


@rounds_cli.command("create")
def rounds_create(
    code: str = typer.Argument(..., metavar="CODE"),
    form: str = typer.Option(..., help="Instrument code, e.g. one-stop-counter."),
    unit: str = typer.Option(..., metavar="ROOT", help="Root unit: the round covers its leaves."),
    name: str | None = typer.Option(None, help="Display name (default: the code)."),
    starts: datetime | None = typer.Option(None, formats=DAY, help="First day (default: today)."),
    ends: datetime | None = typer.Option(None, formats=DAY, help="Last day (default: +30 days)."),
    weighting: str = typer.Option("volume", help="volume | as-given | raked"),
    strata: str | None = typer.Option(None, help="unit | column | a unit level"),
    psu: str | None = typer.Option(None, help="column | day"),
    fpc: bool = typer.Option(
        False, help="Finite-population correction (single-stage: no --psu; strata not column)."
    ),
    ci: str = typer.Option("logit", help="Interval of shares: logit | beta | wilson."),
    lonely_psu: str = typer.Option(
        "adjust", help="Single-PSU strata: adjust | average | certainty | remove | fail."
    ),
    cover: str = typer.Option("leaves", help="leaves (counters) | all (every descendant)."),
    status: str = typer.Option("draft", help="draft | open"),
) -> None:
    """Create a round of FORM covering ROOT's leaf units (or all with --cover all)."""
    settings = get_settings()
    today = settings.today()
    first = _day(starts, today)
    if cover not in ("leaves", "all"):
        typer.echo("error: --cover is leaves or all", err=True)
        raise typer.Exit(2)
    spec = RoundSpec(
        code,
        form,
        unit,
        name or code,
        first,
        _day(ends, first + timedelta(days=30)),
        weighting,
        strata,
        psu,
        fpc,
        "all" if cover == "all" else "leaves",
        status,
        ci,
        lonely_psu,
    )

    async def run() -> tuple[Any, int]:
        catalogue = Catalogue.from_directory(settings.forms_dir)
        async with standalone_session(settings) as session:
            await register_forms(session, catalogue)
            round_, units = await create_round_over(session, CLI, catalogue, spec)
            return round_, len(units)

    round_, n = _run(run())
    typer.echo(
        f"created round {round_.code} ({round_.form_code}, {round_.starts_on} – "
        f"{round_.ends_on}, {round_.status}) covering {n} unit(s) under {unit}"
    )


@rounds_cli.command("inference")
def rounds_inference(
    code: str = typer.Argument(..., metavar="CODE"),
    ci: str = typer.Option(..., help="Interval of shares: logit | beta | wilson."),
    lonely_psu: str = typer.Option(
        ..., help="Single-PSU strata: adjust | average | certainty | remove | fail."
    ),
    variance: str | None = typer.Option(
        None, help="Standard errors: linearisation | jk1 | jkn | bootstrap (default: unchanged)."
    ),
    replicates: int | None = typer.Option(
        None, help="The bootstrap's replicates, 2–1000 (default: unchanged, 80 at first)."
    ),
) -> None:
    """Set a round's interval method, single-PSU strata option and variance method (audited)."""
    settings = get_settings()

    async def run() -> None:
        async with standalone_session(settings) as session:
            round_ = await get_round(session, code)
            unit_id = await round_unit_id(session, round_)
            await change_inference(
                session,
                CLI,
                round_,
                ci=ci,
                lonely_psu=lonely_psu,
                unit_id=unit_id,
                variance=variance,
                replicates=replicates,
            )
            chosen.append(round_.design_variance)

    chosen: list[str] = []
    _run(run())
    typer.echo(
        f"round {code}: intervals {ci}, single-PSU strata {lonely_psu}, variance {chosen[0]}"
    )


@rounds_cli.command("status")
def rounds_status(
    code: str = typer.Argument(..., metavar="CODE"),
    to: str = typer.Argument(..., metavar="STATUS", help="open | closed | published"),
) -> None:
    """Move a round one step along draft → open → closed → published."""
    settings = get_settings()

    async def run() -> str:
        async with standalone_session(settings) as session:
            round_ = await get_round(session, code)
            before = round_.status
            await change_status(session, CLI, round_, to, await round_unit_id(session, round_))
            return before

    before = _run(run())
    typer.echo(f"round {code}: {before} → {to}")


@rounds_cli.command("freeze")
def rounds_freeze(
    code: str = typer.Argument(..., metavar="CODE"),
    note: str = typer.Option("", help="Why this revision (e.g. a correction)."),
    provisional: bool = typer.Option(
        False, help="Provisional figures (tạm tính) of a round still open; it stays open."
    ),
) -> None:
    """Publish a closed round's figures as a new revision (unchanged figures: nothing new)."""
    settings = get_settings()

    async def run() -> tuple[int, str, bool]:
        # The API's job, run here (a worker elsewhere may have it: then wait for it).
        async with standalone_context(settings) as ctx:
            async with ctx.db.sessions() as session:
                round_ = await get_round(session, code)
            job = await request_freeze(Jobs(ctx, None), round_, CLI, note, provisional)
            while job.status in ("queued", "running"):
                await asyncio.sleep(1)
                job = await get_job(ctx.db, job.id) or job
            if job.status == "failed" or not job.result:
                raise typer.BadParameter(job.error or "the freeze failed", param_hint="CODE")
            return job.result["revision"], job.result["content_hash"], job.result["created"]

    revision, digest, created = _run(run())
    state = "frozen as" if created else "unchanged since"
    kind = "provisional " if provisional else ""
    typer.echo(f"round {code} {state} {kind}revision {revision} (sha256 {digest})")
