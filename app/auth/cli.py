"""`sipas users ...` and `sipas api-keys ...`: accounts and keys from the command line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import typer

from app.audit.service import CLI
from app.auth.keys import create_key, list_keys, revoke_key
from app.auth.service import create_user, find_user, grant_role, revoke_role, set_active
from app.config import get_settings
from app.db import standalone_session
from app.errors import AppError, NotFound

users_cli = typer.Typer(help="Staff accounts and their role grants.", no_args_is_help=True)
keys_cli = typer.Typer(help="API keys for reporting systems.", no_args_is_help=True)


def _run(coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    except AppError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


def _read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_cli.command("create")
def users_create(
    email: str = typer.Option(..., help="Sign-in email address."),
    role: str | None = typer.Option(None, help="viewer, manager or admin"),
    unit: str | None = typer.Option(None, help="Unit code the role is granted on."),
    superadmin: bool = typer.Option(False, help="Every unit, every role."),
    name: str = typer.Option("", help="Display name."),
    username: str | None = typer.Option(None, help="Optional sign-in name besides the email."),
    password_stdin: bool = typer.Option(False, help="Read the password from standard input."),
) -> None:
    """Create a staff account (asks for the password, or reads it from stdin)."""
    if (role is None) != (unit is None):
        typer.echo("error: --role and --unit go together", err=True)
        raise typer.Exit(2)
    password = _read_password(password_stdin)

    async def run() -> None:
        async with standalone_session(get_settings()) as session:
            user = await create_user(
                session,
                CLI,
                email=email,
                password=password,
                name=name,
                username=username,
                superadmin=superadmin,
            )
            if role and unit:
                await grant_role(session, CLI, user, role, unit)

    _run(run())
    typer.echo(f"created {email}" + (f" ({role} on {unit})" if role else ""))


def _on_user(email: str, change: Callable[[Any, Any], Awaitable[object]]) -> None:
    """``change(session, user)`` on the account ``email``, committed (unknown: an error)."""

    async def run() -> None:
        async with standalone_session(get_settings()) as session:
            user = await find_user(session, email)
            if user is None:
                raise NotFound(f"no user {email!r}")
            await change(session, user)

    _run(run())


@users_cli.command("grant")
def users_grant(
    email: str = typer.Option(...), role: str = typer.Option(...), unit: str = typer.Option(...)
) -> None:
    """Grant a role on a unit (and its subtree)."""
    _on_user(email, lambda session, user: grant_role(session, CLI, user, role, unit))
    typer.echo(f"granted {role} on {unit} to {email}")


@users_cli.command("revoke")
def users_revoke(
    email: str = typer.Option(...), role: str = typer.Option(...), unit: str = typer.Option(...)
) -> None:
    """Revoke a role grant."""
    _on_user(email, lambda session, user: revoke_role(session, CLI, user, role, unit))
    typer.echo(f"revoked {role} on {unit} from {email}")


def _set_active(email: str, active: bool) -> None:
    _on_user(email, lambda session, user: set_active(session, CLI, user, active, None))
    typer.echo(f"{'reactivated' if active else 'deactivated'} {email}")


@users_cli.command("deactivate")
def users_deactivate(email: str = typer.Option(...)) -> None:
    """Deactivate an account: it can no longer sign in and its sessions end (audited)."""
    _set_active(email, False)


@users_cli.command("reactivate")
def users_reactivate(email: str = typer.Option(...)) -> None:
    """Let a deactivated account sign in again (audited)."""
    _set_active(email, True)


@keys_cli.command("create")
def keys_create(
    name: str = typer.Option(..., help="Who uses the key, e.g. 'Provincial report system'."),
    unit: str = typer.Option(..., help="Unit code: the key reads this subtree only."),
    expires: datetime | None = typer.Option(None, help="Expiry (ISO date/time, UTC)."),
    feed: bool = typer.Option(False, help="A feeder key: posts dossier events, cannot read."),
) -> None:
    """Create an API key (read-only, or with --feed a dossier feeder) and print it once."""
    expires_at = expires.replace(tzinfo=expires.tzinfo or UTC) if expires else None

    async def run() -> str:
        async with standalone_session(get_settings()) as session:
            permission = "feed" if feed else "read"
            return (await create_key(session, CLI, name, unit, expires_at, permission)).key

    key = _run(run())
    typer.echo(key)
    typer.echo("Store this key now: it is not shown again.", err=True)


@keys_cli.command("revoke")
def keys_revoke(
    prefix: str = typer.Argument(..., help="The key's visible prefix (sk_xxxxxxxx)."),
) -> None:
    """Revoke a key; it stops working on the next request."""

    async def run() -> None:
        async with standalone_session(get_settings()) as session:
            await revoke_key(session, CLI, prefix)

    _run(run())
    typer.echo(f"revoked {prefix}")


@keys_cli.command("list")
def keys_list() -> None:
    """Keys with their prefix, name, scope and state (never the key itself)."""

    async def run() -> list[str]:
        async with standalone_session(get_settings()) as session:
            return [
                f"{k.prefix}\t{k.name}\tunit={k.unit_id}\t"
                f"{'revoked' if k.revoked_at else 'active'}\texpires={k.expires_at or '-'}\t"
                f"last_used={k.last_used_at or '-'}"
                for k in await list_keys(session)
            ]

    for line in _run(run()):
        typer.echo(line)
