"""Reorganisation events over the API: the hierarchy as of a day, the events, recording a
split, transfer, rename, re-level, move or dissolution (merges: POST /units/merge), and
reverting one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.auth.access import ApiReader, StaffAdmin, StaffAdminWrite, actor_of, check_csrf
from app.deps import SessionDep, SettingsDep, WriteSessionDep
from app.errors import Unprocessable
from app.imports.crosswalk import import_crosswalk
from app.imports.router import IMPORT_ANSWERS, DryRun, FileField, Preview
from app.imports.schemas import ImportOut
from app.models import UnitEvent
from app.models.base import as_utc
from app.payload import RowId
from app.units.events import (
    Change,
    SplitRequest,
    Successor,
    TransferRequest,
    change_unit,
    events_in_scope,
    revert_event,
    split_unit,
    transfer_part,
)
from app.units.history import as_of_for, hierarchy_as_of
from app.units.service import load_tree

router = APIRouter(prefix="/api/v1", tags=["units"])


class EventOut(BaseModel):
    id: int
    kind: str
    effective: date
    details: dict[str, Any]
    created_at: datetime
    created_by: str
    reverted_at: datetime | None
    reverted_by: str | None


def event_out(event: UnitEvent) -> EventOut:
    return EventOut(
        id=event.id,
        kind=event.kind,
        effective=event.effective,
        details=event.details,
        created_at=as_utc(event.created_at),
        created_by=event.created_by,
        reverted_at=as_utc(event.reverted_at) if event.reverted_at else None,
        reverted_by=event.reverted_by,
    )


class ChangeIn(BaseModel):
    kind: Literal["rename", "relevel", "move", "dissolve"]
    unit: str = Field(max_length=64)
    effective: date = Field(description="First day of the change")
    name: str | None = Field(None, max_length=255, description="rename: the new name")
    level: str | None = Field(None, max_length=32, description="relevel: the new level")
    parent: str | None = Field(None, max_length=64, description="move: the new parent")


class SuccessorIn(BaseModel):
    code: str = Field(max_length=64)
    share: float = Field(
        gt=0, le=1, description="Its share of the unit's transactions and responses"
    )
    name: str | None = Field(None, max_length=255, description="Creates the unit if new")


class SplitIn(BaseModel):
    unit: str = Field(max_length=64)
    into: list[SuccessorIn] = Field(min_length=2, max_length=100)
    effective: date
    children: dict[str, str] = Field(
        default_factory=dict, description="The split unit's children: child code -> successor"
    )


class TransferIn(BaseModel):
    source: str = Field(max_length=64, description="The unit a part is taken from")
    to: str = Field(max_length=64, description="The unit receiving it")
    share: float = Field(gt=0, lt=1, description="Share of the source's transactions/responses")
    effective: date
    children: list[str] = Field(default_factory=list, max_length=1000)


class NodeOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None
    status: Literal["active", "inactive", "later"]


class HierarchyOut(BaseModel):
    as_of: date
    basis: str
    units: list[NodeOut]


@router.get("/units/hierarchy", response_model=HierarchyOut)
async def get_hierarchy(
    session: SessionDep,
    principal: ApiReader,
    settings: SettingsDep,
    as_of: str | None = Query("now", max_length=10, description="'now' or a date YYYY-MM-DD"),
) -> HierarchyOut:
    """Every unit of your scope as of a day: parent, name and level as then; ``inactive``:
    stopped (merged, split, dissolved), ``later``: created after that day."""
    today = settings.today()
    when = as_of_for(today, as_of if as_of != "round" else "now", today)
    tree = await hierarchy_as_of(session, when.day)
    visible = principal.visible_units("viewer", await load_tree(session))
    units = []
    for node in sorted(tree.by_id.values(), key=lambda n: n.code):
        if visible is not None and node.id not in visible:
            continue
        parent = tree.by_id.get(node.parent_id) if node.parent_id is not None else None
        status = (
            "inactive"
            if node.id in tree.inactive
            else "later"
            if node.id in tree.later
            else "active"
        )
        units.append(
            NodeOut(
                code=node.code,
                name=node.name,
                level=node.level,
                parent=parent.code if parent else None,
                status=status,
            )
        )
    return HierarchyOut(as_of=when.day, basis=when.basis, units=units)


@router.get("/units/events", response_model=list[EventOut])
async def get_events(
    session: SessionDep, principal: StaffAdmin, limit: int = Query(200, ge=1, le=1000)
) -> list[EventOut]:
    """Reorganisation events touching units you administer, latest effective first
    (reverted ones included, marked)."""
    return [event_out(e) for e in await events_in_scope(session, principal, limit)]


@router.post("/units/events", response_model=EventOut)
async def post_change(
    request: Request, body: ChangeIn, session: WriteSessionDep, principal: StaffAdminWrite
) -> EventOut:
    """Rename, re-level, move (under another parent) or dissolve a unit from a date."""
    req = Change(**body.model_dump())
    return event_out(await change_unit(session, actor_of(request, principal), req, principal))


@router.post("/units/split", response_model=EventOut)
async def post_split(
    request: Request, body: SplitIn, session: WriteSessionDep, principal: StaffAdminWrite
) -> EventOut:
    """Split a unit into successors, each taking a share (the shares sum to 1)."""
    req = SplitRequest(
        body.unit,
        [Successor(s.code, s.share, s.name) for s in body.into],
        body.effective,
        body.children,
    )
    return event_out(await split_unit(session, actor_of(request, principal), req, principal))


@router.post("/units/transfer", response_model=EventOut)
async def post_transfer(
    request: Request, body: TransferIn, session: WriteSessionDep, principal: StaffAdminWrite
) -> EventOut:
    """Move part of a unit (a share, and optionally some of its children) to another."""
    req = TransferRequest(body.source, body.to, body.share, body.effective, body.children)
    return event_out(await transfer_part(session, actor_of(request, principal), req, principal))


@router.post("/units/events/{event_id}/revert", response_model=EventOut)
async def post_revert(
    request: Request, event_id: RowId, session: WriteSessionDep, principal: StaffAdminWrite
) -> EventOut:
    """Undo an event; refused once a published round's period reaches its date."""
    actor = actor_of(request, principal)
    return event_out(await revert_event(session, actor, event_id, principal))


@router.post("/units/crosswalk/import", response_model=ImportOut, responses=IMPORT_ANSWERS)
async def post_crosswalk(
    request: Request,
    session: WriteSessionDep,
    principal: StaffAdmin,
    file: UploadFile | None = FileField,
    dry_run: bool = DryRun,
    preview: int = Preview,
) -> JSONResponse:
    """Apply an official old → new crosswalk (CSV/XLSX: old_code,new_code,share,date; optional
    new_name,new_level,new_parent) as one batch of events: all rows or none, every problem
    listed (422); ``dry_run``: the events it would record, nothing kept. (The path ends in
    ``/import``: uploads may exceed the ordinary body limit.)"""
    await check_csrf(request, principal)
    if file is None:
        raise Unprocessable("send the crosswalk file as the multipart field 'file'")
    result = await import_crosswalk(
        session,
        actor_of(request, principal),
        await file.read(),
        principal=principal,
        dry_run=dry_run,
        preview=preview,
    )
    out = ImportOut.of(result, dry_run)
    return JSONResponse(out.model_dump(mode="json"), status_code=422 if out.error_count else 200)
