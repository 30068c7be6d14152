"""The audit trail: appended in the same transaction as the change it records."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, an API key, or the command line."""

    label: str
    user_id: int | None = None
    client_hash: str | None = None


CLI = Actor("cli")


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int | None,
    unit_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    """Append one event; it commits or rolls back with the change itself."""
    session.add(
        AuditEvent(
            actor=actor.label,
            user_id=actor.user_id,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            unit_id=unit_id,
            client_hash=actor.client_hash,
            changes=changes or {},
        )
    )
    await session.flush()


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    object_type: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 500


def _query(units: set[int] | None, f: AuditFilter) -> Select[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(f.limit)
    if units is not None:  # outside superadmin: only events about units in scope
        stmt = stmt.where(AuditEvent.unit_id.in_(units))
    if f.action:
        family = AuditEvent.action.startswith(f"{f.action}.")
        stmt = stmt.where(or_(AuditEvent.action == f.action, family))
    if f.object_type:
        stmt = stmt.where(AuditEvent.object_type == f.object_type)
    if f.actor:
        stmt = stmt.where(AuditEvent.actor.contains(f.actor))
    if f.since:
        stmt = stmt.where(AuditEvent.at >= f.since)
    if f.until:
        stmt = stmt.where(AuditEvent.at < f.until)
    return stmt


async def list_events(
    session: AsyncSession, units: set[int] | None, f: AuditFilter
) -> list[AuditEvent]:
    return list((await session.scalars(_query(units, f))).all())


CSV_COLUMNS = (
    "id",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "unit_id",
    "client_hash",
    "changes",
)


def to_csv(events: Sequence[AuditEvent]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for e in events:
        writer.writerow(
            [
                e.id,
                e.at.isoformat(),
                e.actor,
                e.action,
                e.object_type,
                e.object_id or "",
                e.unit_id or "",
                e.client_hash or "",
                e.changes,
            ]
        )
    return buffer.getvalue()
