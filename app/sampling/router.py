"""Sampling API: frames, list frames, sample plans and draws of a round."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from app.audit.service import Actor
from app.auth.access import ApiReader, StaffAdmin, actor_of, check_csrf, staff
from app.auth.principal import Principal
from app.deps import CatalogueDep, SessionDep, WriteSessionDep
from app.models import Round
from app.payload import RowId
from app.rounds.service import round_in_scope
from app.sampling.draws import create_draw, draw_detail, selections_csv
from app.sampling.frames import frame_of, import_volumes, put_cells
from app.sampling.listframe import dossier_summary, import_dossiers
from app.sampling.plans import compute_plan, current_plan, plan_out
from app.sampling.schemas import (
    DossierSummary,
    DrawDetail,
    DrawIn,
    DrawOut,
    FrameOut,
    FramePut,
    ImportReport,
    PlanIn,
    PlanOut,
)
from app.sampling.scope import ImportScope, import_scope
from app.units.service import load_tree

router = APIRouter(prefix="/api/v1/rounds/{round_code}", tags=["sampling"])


@dataclass(frozen=True)
class RoundChange:
    scope: ImportScope
    actor: Actor


async def _round_admin(
    request: Request, round_code: str, session: WriteSessionDep, principal: StaffAdmin
) -> RoundChange:
    """An admin of every unit the round covers, with the session's CSRF token."""
    await check_csrf(request, principal)
    round_ = await round_in_scope(session, principal, round_code, "admin")
    return RoundChange(await import_scope(session, round_, principal), actor_of(request, principal))


async def _round_read(round_code: str, session: SessionDep, principal: ApiReader) -> Round:
    return await round_in_scope(session, principal, round_code, "viewer")


async def _round_staff(
    round_code: str,
    session: SessionDep,
    principal: Annotated[Principal, Depends(staff("viewer"))],
) -> Round:
    return await round_in_scope(session, principal, round_code, "viewer")


RoundAdmin = Annotated[RoundChange, Depends(_round_admin)]
RoundRead = Annotated[Round, Depends(_round_read)]
RoundStaff = Annotated[Round, Depends(_round_staff)]
Upload = Annotated[UploadFile, File(description="CSV (UTF-8, , or ;) or XLSX")]


@router.get("/frame", response_model=FrameOut)
async def get_frame(round_: RoundRead, session: SessionDep) -> FrameOut:
    """The round's frame: N_h per unit and its cells by procedure field."""
    return await frame_of(session, round_)


@router.put("/frame", response_model=FrameOut)
async def put_frame(body: FramePut, change: RoundAdmin, session: WriteSessionDep) -> FrameOut:
    """Set the cells of the units listed (their N_h follows); 422 lists rejected cells."""
    return await put_cells(session, change.actor, change.scope, body.cells)


@router.post("/frame/import", response_model=ImportReport)
async def post_frame_import(
    file: Upload, change: RoundAdmin, session: WriteSessionDep
) -> ImportReport:
    """Import volumes (unit, transactions[, field]); all rows or none (422 lists rejections)."""
    return await import_volumes(session, change.actor, change.scope, file.file)


@router.post("/dossiers/import", response_model=ImportReport)
async def post_dossiers_import(
    file: Upload,
    change: RoundAdmin,
    session: WriteSessionDep,
    replace: Annotated[bool, Form(description="drop the current list first")] = False,
) -> ImportReport:
    """Import the list frame (dossier, unit, completed_on[, field, contacts]); all or none."""
    return await import_dossiers(session, change.actor, change.scope, file.file, replace)


@router.get("/dossiers", response_model=DossierSummary)
async def get_dossiers(round_: RoundRead, session: SessionDep) -> DossierSummary:
    """Listed dossiers counted per unit and field (no contacts)."""
    return await dossier_summary(session, round_.id, round_.code)


@router.get("/plan", response_model=PlanOut)
async def get_plan(round_: RoundRead, session: SessionDep) -> PlanOut:
    """The round's current sample plan (404 before the first PUT)."""
    plan, strata = await current_plan(session, round_)
    return plan_out(round_, plan, strata, await load_tree(session))


@router.put("/plan", response_model=PlanOut)
async def put_plan(
    body: PlanIn, change: RoundAdmin, session: WriteSessionDep, catalogue: CatalogueDep
) -> PlanOut:
    """Compute the sample plan from the frame and store it as a new version."""
    return await compute_plan(session, catalogue, change.actor, change.scope, body)


@router.post("/draws", response_model=DrawOut, status_code=201)
async def post_draw(
    change: RoundAdmin, session: WriteSessionDep, body: DrawIn | None = None
) -> DrawOut:
    """Draw the plan's sample from the list frame (seed recorded; random if not given)."""
    body = body or DrawIn()
    return await create_draw(session, change.actor, change.scope, body.seed, body.method)


@router.get(
    "/draws/{draw_id}",
    response_model=DrawDetail,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}},
)
async def get_draw(
    draw_id: RowId,
    round_: RoundStaff,
    session: SessionDep,
    format: Literal["json", "csv"] = "json",
) -> DrawDetail | Response:
    """A draw with its selected dossiers and their probabilities (``format=csv`` for a file)."""
    detail = await draw_detail(session, round_, draw_id)
    if format == "json":
        return detail
    name = f"{round_.code}-draw-{draw_id}.csv"
    return Response(
        selections_csv(detail),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
