"""The `sipas` command."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import typer
import uvicorn

from app.config import get_settings
from app.forms.cli import forms_cli
from app.migrate import upgrade

cli = typer.Typer(help="SIPAS: citizen satisfaction surveys.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(forms_cli, name="forms")

HOST = typer.Option("127.0.0.1", help="Address to listen on.")
PORT = typer.Option(8000, help="Port to listen on.")


def _serve(host: str, port: int) -> None:
    from app.main import configure_logging, create_app

    settings = get_settings()
    configure_logging(settings)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        proxy_headers=True,
        timeout_graceful_shutdown=30,  # finish in-flight submissions on SIGTERM
        access_log=False,  # our middleware logs one structured line per request
    )


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


async def _seed_demo() -> None:
    from app.db import Database
    from app.demo import seed
    from app.forms.registry import Catalogue

    settings = get_settings()
    catalogue = Catalogue.from_directory(settings.forms_dir)
    db = Database(settings)
    try:
        async with db.write_sessions.begin() as session:
            await catalogue.register(session)
            today = datetime.now(ZoneInfo(settings.timezone)).date()
            summary = await seed(session, catalogue, today)
    finally:
        await db.dispose()
    state = "created" if summary.created else "already present"
    typer.echo(f"Demo data {state}: {summary.responses} responses in round DEMO-2026.")


@cli.command()
def demo(host: str = HOST, port: int = PORT, serve: bool = typer.Option(True)) -> None:
    """Upgrade the schema, seed the demo province (idempotent), print its URLs and serve."""
    settings = get_settings()
    upgrade(settings.database_url)
    asyncio.run(_seed_demo())
    base = f"http://{host}:{port}"
    typer.echo(
        "\n".join(
            [
                "",
                f"  Counter form:      {base}/s/SH-HOALAC-MC",
                f"  Its QR code:       {base}/s/SH-HOALAC-MC/qr.svg",
                f"  Province report:   {base}/api/v1/rounds/DEMO-2026/satisfaction?unit=SH",
                f"  Rounds (JSON):     {base}/api/v1/rounds",
                f"  API documentation: {base}/docs",
                "",
            ]
        )
    )
    if serve:
        _serve(host, port)


def main() -> None:
    cli()
