"""`sipas units ...`: import the hierarchy from CSV or XLSX, merge units into a successor."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import typer
from sqlalchemy import select

from app.audit.service import CLI
from app.auth.cli import _run
from app.config import get_settings
from app.db import standalone_session
from app.imports.cli import DRY_RUN, TerminalProgress, read_file, report
from app.imports.crosswalk import import_crosswalk
from app.imports.csvfile import ImportResult
from app.imports.units import import_units
from app.models import UnitEvent
from app.units.events import (
    Change,
    SplitRequest,
    Successor,
    TransferRequest,
    change_unit,
    revert_event,
    split_unit,
    transfer_part,
)
from app.units.lineage import MergeRequest, MergeResult, merge_units

units_cli = typer.Typer(help="Units: the hierarchy and its lineage.", no_args_is_help=True)


@units_cli.command("import")
def units_import(path: Path = typer.Argument(..., metavar="FILE"), dry_run: bool = DRY_RUN) -> None:
    """Create or update units from CSV or XLSX with columns code,name,level,parent.

    Parents may appear later in the file; unknown parents and cycles are rejected; all rows
    are written or none.
    """
    data = read_file(path)

    async def run() -> ImportResult:
        async with standalone_session(get_settings()) as session:
            with TerminalProgress() as progress:
                return await import_units(session, CLI, data, dry_run=dry_run, progress=progress)

    report(path, _run(run()), dry_run)


@units_cli.command("merge")
def units_merge(
    sources: list[str] = typer.Argument(..., metavar="UNIT...", help="Units merged."),
    into: str = typer.Option(..., help="The successor: an active unit, or a new code."),
    effective: datetime = typer.Option(
        ..., "--date", formats=["%Y-%m-%d"], help="First day of the successor (YYYY-MM-DD)."
    ),
    name: str | None = typer.Option(None, help="Name of a new successor."),
    level: str | None = typer.Option(None, help="Level of a new successor (default: theirs)."),
    parent: str | None = typer.Option(None, help="Parent of a new successor (default: theirs)."),
    move_children: bool = typer.Option(False, help="Move their active children under it."),
) -> None:
    """Merge units into a successor from a date; earlier results stay comparable."""
    day: date = effective.date()
    req = MergeRequest(sources, into, day, name, level, parent, move_children)

    async def run() -> MergeResult:
        async with standalone_session(get_settings()) as session:
            return await merge_units(session, CLI, req)

    result = _run(run())
    state = "created" if result.created else "existing"
    moved = f"; moved {', '.join(result.moved_children)}" if result.moved_children else ""
    typer.echo(f"merged {', '.join(result.merged)} into {result.successor} ({state}){moved}")


DATE = typer.Option(..., "--date", formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD).")


def _change(kind: str, unit: str, day: datetime, **values: str | None) -> None:
    req = Change(
        kind, unit, day.date(), values.get("name"), values.get("level"), values.get("parent")
    )

    async def run() -> UnitEvent:
        async with standalone_session(get_settings()) as session:
            return await change_unit(session, CLI, req)

    event = _run(run())
    typer.echo(f"event {event.id}: {kind} {unit} from {event.effective.isoformat()}")


@units_cli.command("rename")
def units_rename(unit: str, name: str = typer.Option(...), effective: datetime = DATE) -> None:
    """Rename a unit from a date (earlier reports keep the old name)."""
    _change("rename", unit, effective, name=name)


@units_cli.command("relevel")
def units_relevel(unit: str, level: str = typer.Option(...), effective: datetime = DATE) -> None:
    """Change a unit's level from a date."""
    _change("relevel", unit, effective, level=level)


@units_cli.command("move")
def units_move(unit: str, parent: str = typer.Option(...), effective: datetime = DATE) -> None:
    """Move a unit (with its subtree) under another parent from a date."""
    _change("move", unit, effective, parent=parent)


@units_cli.command("dissolve")
def units_dissolve(unit: str, effective: datetime = DATE) -> None:
    """A unit stops from a date; its data stays with its parent."""
    _change("dissolve", unit, effective)


def _successor(text: str) -> Successor:
    parts = text.split(":", 2)
    if len(parts) < 2:
        raise typer.BadParameter(f"{text!r}: CODE:SHARE[:NAME]")
    try:
        share = float(parts[1])
    except ValueError:
        raise typer.BadParameter(f"{text!r}: the share is a number, e.g. 0.6") from None
    return Successor(parts[0], share, parts[2] if len(parts) > 2 else None)


@units_cli.command("split")
def units_split(
    unit: str,
    into: list[str] = typer.Option(..., help="CODE:SHARE[:NAME] per successor (NAME: new)."),
    child: list[str] = typer.Option([], help="CHILD=SUCCESSOR: where a child goes."),
    effective: datetime = DATE,
) -> None:
    """Split a unit into successors, each with its share (the shares sum to 1)."""
    children = dict(c.split("=", 1) for c in child if "=" in c)
    req = SplitRequest(unit, [_successor(s) for s in into], effective.date(), children)

    async def run() -> UnitEvent:
        async with standalone_session(get_settings()) as session:
            return await split_unit(session, CLI, req)

    event = _run(run())
    typer.echo(f"event {event.id}: split {unit} from {event.effective.isoformat()}")


@units_cli.command("transfer")
def units_transfer(
    source: str,
    to: str = typer.Option(...),
    share: float = typer.Option(..., help="Share of SOURCE's transactions and responses."),
    child: list[str] = typer.Option([], help="A child of SOURCE that moves with the part."),
    effective: datetime = DATE,
) -> None:
    """Part of a unit (a share, and optionally some children) belongs to another from a date."""
    req = TransferRequest(source, to, share, effective.date(), child)

    async def run() -> UnitEvent:
        async with standalone_session(get_settings()) as session:
            return await transfer_part(session, CLI, req)

    event = _run(run())
    typer.echo(f"event {event.id}: transfer {share} of {source} to {to}")


@units_cli.command("revert")
def units_revert(event_id: int) -> None:
    """Revert a reorganisation event (refused once a published round uses it)."""

    async def run() -> UnitEvent:
        async with standalone_session(get_settings()) as session:
            return await revert_event(session, CLI, event_id)

    event = _run(run())
    typer.echo(f"event {event.id} ({event.kind}) reverted")


@units_cli.command("events")
def units_events(limit: int = typer.Option(50, min=1, max=1000)) -> None:
    """List reorganisation events, latest effective first."""

    async def run() -> list[UnitEvent]:
        async with standalone_session(get_settings()) as session:
            rows = await session.scalars(
                select(UnitEvent)
                .order_by(UnitEvent.effective.desc(), UnitEvent.id.desc())
                .limit(limit)
            )
            return list(rows)

    for event in _run(run()):
        state = " (reverted)" if event.reverted_at else ""
        details = json.dumps(event.details, ensure_ascii=False, sort_keys=True)
        typer.echo(f"{event.id}\t{event.effective.isoformat()}\t{event.kind}{state}\t{details}")


@units_cli.command("crosswalk")
def units_crosswalk(
    path: Path = typer.Argument(..., metavar="FILE"), dry_run: bool = DRY_RUN
) -> None:
    """Apply an old → new crosswalk (CSV/XLSX: old_code,new_code,share,date[,new_name,
    new_level,new_parent]) as one batch of events: all rows or none, every problem listed."""
    data = read_file(path)

    async def run() -> ImportResult:
        async with standalone_session(get_settings()) as session:
            return await import_crosswalk(session, CLI, data, dry_run=dry_run)

    report(path, _run(run()), dry_run)
