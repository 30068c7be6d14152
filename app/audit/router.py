"""The audit trail, for admins of the scope: JSON or CSV, filterable."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BeforeValidator

from app.audit.service import AuditFilter, list_events, to_csv
from app.auth.access import StaffAdmin
from app.deps import SessionDep
from app.units.service import load_tree

router = APIRouter(prefix="/api/v1", tags=["audit"])


def _iso_only(value: object) -> object:
    """A moment written in ISO 8601: pydantic alone also reads a bare number as Unix seconds,
    so ``until=0.5`` would quietly mean 1970."""
    try:
        float(str(value))
    except ValueError:
        return value
    raise ValueError("give a date-time in ISO 8601, e.g. 2026-12-07T08:00:00+07:00")


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]


async def _events(session: SessionDep, principal: StaffAdmin, f: AuditFilter) -> list[Any]:
    units = principal.visible_units("admin", await load_tree(session))
    return await list_events(session, units, f)


def _filter(
    action: str | None,
    object_type: str | None,
    actor: str | None,
    since: IsoDateTime | None,
    until: IsoDateTime | None,
    limit: int,
) -> AuditFilter:
    return AuditFilter(action, object_type, actor, since, until, limit)


@router.get("/audit")
async def audit_json(
    session: SessionDep,
    principal: StaffAdmin,
    action: str | None = Query(None, description="e.g. user.grant, or a family: user"),
    object_type: str | None = None,
    actor: str | None = None,
    since: IsoDateTime | None = None,
    until: IsoDateTime | None = None,
    limit: int = Query(500, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    """Audit events about units in your admin scope, newest first."""
    events = await _events(
        session, principal, _filter(action, object_type, actor, since, until, limit)
    )
    return [
        {
            "id": e.id,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "unit_id": e.unit_id,
            "client_hash": e.client_hash,
            "changes": e.changes,
        }
        for e in events
    ]


@router.get("/audit.csv")
async def audit_csv(
    session: SessionDep,
    principal: StaffAdmin,
    action: str | None = None,
    object_type: str | None = None,
    actor: str | None = None,
    since: IsoDateTime | None = None,
    until: IsoDateTime | None = None,
    limit: int = Query(10_000, ge=1, le=100_000),
) -> Response:
    """The same events as CSV (UTF-8), for spreadsheets and archives."""
    events = await _events(
        session, principal, _filter(action, object_type, actor, since, until, limit)
    )
    return Response(
        to_csv(events),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
