"""The improvement plans API: actions, progress notes, reviews, evidence files, follow-up and
progress reports. Reading takes an API key or a session; writing a manager's session with
its CSRF token (X-CSRF-Token)."""

from __future__ import annotations

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from app.auth.access import ApiReader, StaffManagerWrite, actor_of
from app.deps import CatalogueDep, SessionDep, SettingsDep, WriteSessionDep
from app.errors import Unprocessable
from app.improvement.evidence import EVIDENCE_MAX_BYTES
from app.improvement.plans import (
    action_out,
    add_evidence,
    create_action,
    get_action,
    get_evidence,
    list_actions,
    update_action,
)
from app.improvement.progress import follow_up, progress_report
from app.improvement.schemas import (
    ActionIn,
    ActionOut,
    ActionPatch,
    EvidenceOut,
    FollowUp,
    ProgressReport,
)
from app.payload import RowId
from app.units.service import load_tree

router = APIRouter(prefix="/api/v1/improvement", tags=["improvement"])


@router.get("/actions", response_model=list[ActionOut])
async def get_actions(
    session: SessionDep,
    principal: ApiReader,
    round: str | None = Query(None, description="Round code"),
    unit: str | None = Query(None, description="Unit code: its subtree"),
) -> list[ActionOut]:
    """The actions of the plans in your scope, by due date."""
    tree = await load_tree(session)
    actions = await list_actions(session, principal, tree, round, unit)
    return [await action_out(session, tree, a, detail=False) for a in actions]


@router.post("/actions", response_model=ActionOut, status_code=201)
async def post_action(
    request: Request,
    body: ActionIn,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
    principal: StaffManagerWrite,
) -> ActionOut:
    """Add an action to a unit's plan (a manager of the unit)."""
    action = await create_action(session, actor_of(request, principal), principal, catalogue, body)
    return await action_out(session, await load_tree(session), action)


@router.get("/actions/{action_id}", response_model=ActionOut)
async def get_one_action(action_id: RowId, session: SessionDep, principal: ApiReader) -> ActionOut:
    """One action with its notes and evidence files."""
    tree = await load_tree(session)
    return await action_out(session, tree, await get_action(session, principal, tree, action_id))


@router.patch("/actions/{action_id}", response_model=ActionOut)
async def patch_action(
    request: Request,
    action_id: RowId,
    body: ActionPatch,
    session: WriteSessionDep,
    settings: SettingsDep,
    principal: StaffManagerWrite,
) -> ActionOut:
    """Change the status or add a note (the unit's managers); review (the province)."""
    actor = actor_of(request, principal)
    action = await update_action(session, actor, principal, action_id, body, settings.today())
    return await action_out(session, await load_tree(session), action)


@router.post("/actions/{action_id}/evidence", response_model=EvidenceOut, status_code=201)
async def post_evidence(
    request: Request,
    action_id: RowId,
    session: WriteSessionDep,
    principal: StaffManagerWrite,
    file: UploadFile | None = File(None, description="PDF, PNG or JPEG, at most 5 MiB"),
) -> EvidenceOut:
    """Attach an evidence file (PDF, PNG or JPEG, checked by its content, size-limited)."""
    if file is None:
        raise Unprocessable("send the file as the multipart field 'file'")
    data = await file.read(EVIDENCE_MAX_BYTES + 1)
    actor = actor_of(request, principal)
    found = await add_evidence(session, actor, principal, action_id, file.filename or "", data)
    return EvidenceOut(
        id=found.id,
        filename=found.filename,
        content_type=found.content_type,
        size=found.size,
        uploaded_at=found.uploaded_at,
    )


@router.get("/evidence/{evidence_id}", response_class=Response)
async def download_evidence(
    evidence_id: RowId, session: SessionDep, principal: ApiReader
) -> Response:
    """An evidence file, always as a download under the type its content showed."""
    found = await get_evidence(session, principal, evidence_id)
    return evidence_response(found.data, found.content_type, found.filename)


def evidence_response(data: bytes, content_type: str, filename: str) -> Response:
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/actions/{action_id}/follow-up", response_model=FollowUp)
async def get_follow_up(
    action_id: RowId,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
) -> FollowUp:
    """The action's criteria in the next round: did they move, and significantly?"""
    return await follow_up(session, catalogue, principal, settings, action_id)


@router.get("/progress", response_model=ProgressReport)
async def get_progress(
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    year: int = Query(ge=2000, le=2100),
    quarter: int | None = Query(None, ge=1, le=4),
    half: int | None = Query(None, ge=1, le=2),
    unit: str | None = Query(None, description="Unit code: its subtree"),
) -> ProgressReport:
    """Actions due, done and late by unit in a quarter, half year or year; PAKN handled on
    time; the targeted criteria's latest figures."""
    return await progress_report(session, catalogue, principal, settings, year, quarter, half, unit)
