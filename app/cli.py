"""The `sipas` command."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import typer
import uvicorn
from pydantic import ValidationError

from app.auth.cli import keys_cli, users_cli
from app.comments.cli import comments_cli
from app.config import Settings, get_settings
from app.db import standalone_session
from app.forms.cli import forms_cli
from app.i18n.cli import app as i18n_cli
from app.imports.cli import responses_cli
from app.integrity.cli import integrity_cli, receipts
from app.migrate import upgrade
from app.reporting.document.cli import report
from app.rounds.cli import rounds_cli
from app.sampling.cli import draw_command, frame_cli, plan_command, sample_size_command
from app.sampling.tokens_cli import tokens
from app.statistics.cli import tallies_cli
from app.units.cli import units_cli
from app.weights.cli import weights
from app.worker.cli import worker

cli = typer.Typer(help="SIPAS: citizen satisfaction surveys.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(users_cli, name="users")
cli.add_typer(keys_cli, name="api-keys")
cli.add_typer(forms_cli, name="forms")
cli.command("weights")(weights)
cli.add_typer(frame_cli, name="frame")
cli.command("sample-size")(sample_size_command)
cli.command("plan")(plan_command)
cli.command("draw")(draw_command)
cli.add_typer(comments_cli, name="comments")
cli.command("tokens")(tokens)
cli.add_typer(units_cli, name="units")
cli.add_typer(rounds_cli, name="rounds")
cli.add_typer(responses_cli, name="responses")
cli.add_typer(i18n_cli, name="i18n")
cli.add_typer(integrity_cli, name="integrity")
cli.command("receipts")(receipts)
cli.add_typer(tallies_cli, name="tallies")
cli.command("worker")(worker)
cli.command("report")(report)

HOST = typer.Option("127.0.0.1", help="Address to listen on.")
PORT = typer.Option(8000, help="Port to listen on.")
KEEP_ALIVE_SECONDS = 75  # above common load balancers' idle timeouts (60 s)


def server_config(app: Any, settings: Settings, host: str, port: int) -> uvicorn.Config:
    """How `sipas serve` runs ``app``: proxy headers only from ``SIPAS_TRUSTED_PROXIES``
    (uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1)."""
    trusted = settings.trusted_proxies.strip()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or "",
        timeout_graceful_shutdown=30,  # finish in-flight submissions on SIGTERM
        # Idle keep-alive connections stay open longer than a proxy's or a phone's (uvicorn's
        # 5 s default closes them under a client about to reuse one: its POST then fails).
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        access_log=False,  # our middleware logs one structured line per request
    )


def _serve(host: str, port: int) -> None:
    from app.main import configure_logging, create_app

    settings = get_settings()
    configure_logging(settings)
    uvicorn.Server(server_config(create_app(settings), settings, host, port)).run()


@db_cli.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Bring the database schema to the latest migration."""
    upgrade(get_settings().database_url, revision)
    typer.echo("schema is at head")


@cli.command()
def serve(host: str = HOST, port: int = PORT) -> None:
    """Upgrade the schema, then serve the application."""
    upgrade(get_settings().database_url)
    _serve(host, port)


async def _seed_demo() -> tuple[str, str]:
    """Seed the demo province and access; returns (summary line, demo API key)."""
    from app.demo import seed, seed_access
    from app.forms.registry import Catalogue
    from app.instruments.registry import register_forms

    settings = get_settings()
    catalogue = Catalogue.from_directory(settings.forms_dir)
    async with standalone_session(settings) as session:
        await register_forms(session, catalogue)
        summary = await seed(session, catalogue, settings.today())
        key = await seed_access(session)
    async with standalone_session(settings) as session:  # after the current round is stored
        from app.public.demo import seed_published

        await seed_published(session, catalogue, settings, settings.today())
    async with standalone_session(settings) as session:  # compared with DEMO-2025's revision
        from app.public.demo import seed_provisional

        await seed_provisional(session, catalogue, settings)
    state = "created" if summary.created else "already present"
    return f"Demo data {state}: {summary.responses} responses in round DEMO-2026.", key


@cli.command()
def demo(host: str = HOST, port: int = PORT, serve: bool = typer.Option(True)) -> None:
    """Upgrade the schema, seed the demo province (idempotent), print its URLs and serve."""
    from app.demo import DEMO_ADMIN, DEMO_PASSWORD

    base = f"http://{host}:{port}"
    os.environ.setdefault("SIPAS_PUBLIC_BASE_URL", base)  # QR codes point at this server
    get_settings.cache_clear()
    settings = get_settings()
    if settings.environment == "production":
        typer.echo("error: the demo data set is not for production databases", err=True)
        raise typer.Exit(2)
    upgrade(settings.database_url)
    summary, key = asyncio.run(_seed_demo())
    typer.echo(summary)
    typer.echo(
        "\n".join(
            [
                "",
                f"  Counter form:      {base}/s/SH-HOALAC-MC",
                f"  Its QR code:       {base}/s/SH-HOALAC-MC/qr.svg",
                f"  Province report:   {base}/api/v1/rounds/DEMO-2026/satisfaction?unit=SH",
                f"  Staff sign-in:     {base}/login   ({DEMO_ADMIN} / {DEMO_PASSWORD})",
                f"  Demo API key:      {key}",
                f"  Try:  curl -H 'Authorization: Bearer {key}' \\",
                f"          {base}/api/v1/rounds/DEMO-2026/satisfaction?unit=SH",
                "  Integrity (held responses, units that look gamed, after sign-in):",
                f"                     {base}/console/rounds/DEMO-2026/integrity",
                f"  API documentation: {base}/docs",
                f"  Public results:    {base}/public/DEMO-2025   (no sign-in; last year's round,"
                " frozen and made public)",
                f"  Current round:     {base}/public/DEMO-2026   (provisional figures, "
                "'tạm tính': frozen while the round collects)",
                f"  Open data:         {base}/open-data/DEMO-2025/1/datapackage.json",
                f"  Verify a file:     {base}/public/verify",
                "",
            ]
        )
    )
    if serve:
        _serve(host, port)


def main() -> None:
    try:
        get_settings()
    except ValidationError as exc:  # a clear refusal, not a traceback
        messages = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        typer.echo(f"error: invalid settings: {messages}", err=True)
        raise SystemExit(2) from None
    cli()
