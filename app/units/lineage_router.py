"""Unit lineage over the API: merging units into a successor."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.auth.access import StaffAdminWrite, actor_of
from app.deps import WriteSessionDep
from app.units.lineage import MergeRequest, merge_units

router = APIRouter(prefix="/api/v1", tags=["units"])


class MergeIn(BaseModel):
    sources: list[str] = Field(min_length=1, max_length=100, description="Units merged (A, B)")
    into: str = Field(description="The successor C: an active unit, or a new one")
    effective: date = Field(description="From this day the merged units are inactive")
    name: str | None = Field(None, max_length=255, description="Name of a new successor")
    level: str | None = Field(None, max_length=32, description="Default: the sources' level")
    parent: str | None = Field(None, description="Default: the sources' common parent")
    move_children: bool = Field(
        False, description="Move the merged units' active children under the successor"
    )


class MergeOut(BaseModel):
    successor: str
    created: bool
    merged: list[str]
    moved_children: list[str]


@router.post("/units/merge", response_model=MergeOut)
async def post_merge(
    request: Request, body: MergeIn, session: WriteSessionDep, principal: StaffAdminWrite
) -> MergeOut:
    """Merge units into a successor from a date; reports compare it with its predecessors."""
    req = MergeRequest(**body.model_dump())
    result = await merge_units(session, actor_of(request, principal), req, principal)
    return MergeOut(
        successor=result.successor,
        created=result.created,
        merged=result.merged,
        moved_children=result.moved_children,
    )
