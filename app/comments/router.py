"""Comments API: list, open, on-time share (readers in scope); handle (managers); reveal
(admins). Free-text answers become comments before anything is listed (see sync)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.auth.access import ApiReader, StaffAdmin, actor_of, check_csrf, staff
from app.auth.principal import Principal
from app.comments import actions
from app.comments.calendar import local_today
from app.comments.ontime import on_time_report
from app.comments.schemas import (
    AssignIn,
    CloseIn,
    CommentDetail,
    CommentPage,
    CommentStatus,
    OnTimeReport,
    ReplyIn,
)
from app.comments.service import CommentFilter, comment_detail, list_comments
from app.comments.sync import ensure_synced
from app.deps import SessionDep, SettingsDep, WriteSessionDep
from app.payload import body_schema, optional_day, read_payload

router = APIRouter(prefix="/api/v1", tags=["comments"])
StaffManager = Annotated[Principal, Depends(staff("manager"))]
Synced = Annotated[None, Depends(ensure_synced)]
Lang = Literal["vi", "en"]


def comment_filter(
    round: str | None = Query(None, description="Round code"),
    unit: str | None = Query(None, description="Unit code: the unit and everything under it"),
    status: CommentStatus | Literal[""] | None = None,
    overdue: Literal["yes", "no", ""] | None = Query(None, description="Past due and open"),
    assignee: int | None = Query(None, description="Assigned user id"),
) -> CommentFilter:
    """The list filter; empty values (a submitted blank form field) mean "any"."""
    return CommentFilter(
        round=round or None,
        unit=unit or None,
        status=status or None,
        overdue={"yes": True, "no": False}.get(overdue or ""),
        assignee_id=assignee,
    )


Filter = Annotated[CommentFilter, Depends(comment_filter)]


@router.get("/comments", response_model=CommentPage)
async def get_comments(
    session: SessionDep,
    settings: SettingsDep,
    principal: ApiReader,
    _: Synced,
    f: Filter,
    before: int | None = Query(None, ge=1, description="next_before of the previous page"),
    limit: int = Query(50, ge=1, le=500),
    lang: Lang = "vi",
) -> CommentPage:
    """Citizens' comments in your scope, newest first, masked; counts by status and overdue."""
    today = local_today(settings)
    return await list_comments(session, principal, f, today, before, limit, lang)


@router.get("/comments/on-time", response_model=OnTimeReport)
async def get_on_time(
    session: SessionDep,
    settings: SettingsDep,
    principal: ApiReader,
    _: Synced,
    round: str | None = None,
    unit: str | None = None,
    since: str | None = Query(None, description="Responses submitted on or after (local date)"),
    until: str | None = Query(None, description="Responses submitted on or before (local date)"),
) -> OnTimeReport:
    """Per unit: comments handled by their due date over those due (the on-time share)."""
    return await on_time_report(
        session,
        principal,
        settings,
        local_today(settings),
        round or None,
        unit or None,
        optional_day("since", since),
        optional_day("until", until),
    )


@router.get("/comments/{comment_id}", response_model=CommentDetail)
async def get_comment(
    comment_id: int,
    session: SessionDep,
    settings: SettingsDep,
    principal: ApiReader,
    lang: Lang = "vi",
) -> CommentDetail:
    """One comment (masked), what may be done next, and its history."""
    return await comment_detail(session, principal, comment_id, local_today(settings), lang)


@router.post(
    "/comments/{comment_id}/assign",
    response_model=CommentDetail,
    openapi_extra=body_schema(AssignIn),
)
async def assign(
    request: Request,
    comment_id: int,
    session: WriteSessionDep,
    settings: SettingsDep,
    principal: StaffManager,
) -> CommentDetail:
    """Assign to a user holding manager or admin on the comment's unit (audited)."""
    await check_csrf(request, principal)
    body = await read_payload(request, AssignIn)
    return await actions.assign_comment(
        session,
        actor_of(request, principal),
        principal,
        comment_id,
        body.assignee_id,
        local_today(settings),
    )


@router.post(
    "/comments/{comment_id}/reply", response_model=CommentDetail, openapi_extra=body_schema(ReplyIn)
)
async def reply(
    request: Request,
    comment_id: int,
    session: WriteSessionDep,
    settings: SettingsDep,
    principal: StaffManager,
) -> CommentDetail:
    """Record the reply; the comment is answered (handled) from today (audited)."""
    await check_csrf(request, principal)
    body = await read_payload(request, ReplyIn)
    return await actions.reply_comment(
        session,
        actor_of(request, principal),
        principal,
        comment_id,
        body.reply,
        local_today(settings),
    )


@router.post(
    "/comments/{comment_id}/close", response_model=CommentDetail, openapi_extra=body_schema(CloseIn)
)
async def close(
    request: Request,
    comment_id: int,
    session: WriteSessionDep,
    settings: SettingsDep,
    principal: StaffManager,
) -> CommentDetail:
    """Close the comment, with an optional note (audited)."""
    await check_csrf(request, principal)
    body = await read_payload(request, CloseIn)
    return await actions.close_comment(
        session,
        actor_of(request, principal),
        principal,
        comment_id,
        body.note,
        local_today(settings),
    )


@router.post(
    "/comments/{comment_id}/reopen",
    response_model=CommentDetail,
    openapi_extra=body_schema(CloseIn),
)
async def reopen(
    request: Request,
    comment_id: int,
    session: WriteSessionDep,
    settings: SettingsDep,
    principal: StaffManager,
) -> CommentDetail:
    """Reopen a closed comment; it is no longer counted as handled (audited)."""
    await check_csrf(request, principal)
    body = await read_payload(request, CloseIn)
    return await actions.reopen_comment(
        session,
        actor_of(request, principal),
        principal,
        comment_id,
        body.note,
        local_today(settings),
    )


@router.post("/comments/{comment_id}/reveal", response_model=CommentDetail)
async def reveal(
    request: Request,
    response: Response,
    comment_id: int,
    session: WriteSessionDep,
    settings: SettingsDep,
    principal: StaffAdmin,
) -> CommentDetail:
    """The comment with its text unmasked: admins of its unit only, audited."""
    await check_csrf(request, principal)
    response.headers["Cache-Control"] = "no-store"
    return await actions.reveal_comment(
        session, actor_of(request, principal), principal, comment_id, local_today(settings)
    )
