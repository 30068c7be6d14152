"""Comments API: list, open, on-time share (readers in scope); handle (managers); reveal
(admins). Free-text answers become comments before anything is listed (see sync)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.auth.access import ApiReader, StaffAdmin, StaffManager, actor_of, check_csrf
from app.comments import actions
from app.comments.ontime import OnTimeFilter, on_time_report
from app.comments.schemas import (
    CommentAction,
    CommentActionName,
    CommentDetail,
    CommentPage,
    CommentStatus,
    OnTimeReport,
)
from app.comments.service import CommentFilter, comment_detail, list_comments
from app.comments.sync import Synced
from app.deps import SessionDep, SettingsDep, WriteSessionDep
from app.payload import (
    INT32_MAX,
    INT64_MAX,
    ROUND_QUERY,
    SINCE_QUERY,
    UNIT_QUERY,
    UNTIL_QUERY,
    BigRowId,
    body_schema,
    optional_day,
    ordered_period,
    read_payload,
    yes_no,
)

router = APIRouter(prefix="/api/v1", tags=["comments"])
Lang = Literal["vi", "en"]


def comment_filter(
    round: str | None = ROUND_QUERY,
    unit: str | None = UNIT_QUERY,
    status: CommentStatus | Literal[""] | None = None,
    overdue: Literal["yes", "no", ""] | None = Query(None, description="Past due and open"),
    assignee: int | None = Query(None, ge=1, le=INT32_MAX, description="Assigned user id"),
) -> CommentFilter:
    """The list filter; empty values (a submitted blank form field) mean "any"."""
    return CommentFilter(
        round=round or None,
        unit=unit or None,
        status=status or None,
        overdue=yes_no(overdue),
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
    before: int | None = Query(
        None, ge=1, le=INT64_MAX, description="next_before of the previous page"
    ),
    limit: int = Query(50, ge=1, le=500),
    lang: Lang = "vi",
) -> CommentPage:
    """Citizens' comments in your scope, newest first, masked; counts by status and overdue."""
    today = settings.today()
    return await list_comments(session, principal, f, today, before, limit, lang)


def on_time_filter(
    round: str | None = ROUND_QUERY,
    unit: str | None = UNIT_QUERY,
    since: str | None = SINCE_QUERY,
    until: str | None = UNTIL_QUERY,
) -> OnTimeFilter:
    """A round and/or a period of submission, within a unit's subtree; blanks mean "any"."""
    return OnTimeFilter(
        round or None, unit or None, optional_day("since", since), optional_day("until", until)
    )


OnTime = Annotated[OnTimeFilter, Depends(on_time_filter)]


@router.get("/comments/on-time", response_model=OnTimeReport)
async def get_on_time(
    session: SessionDep, settings: SettingsDep, principal: ApiReader, _: Synced, f: OnTime
) -> OnTimeReport:
    """Per unit: comments handled by their due date over those due (the on-time share)."""
    ordered_period(f.since, f.until)
    return await on_time_report(session, principal, settings, settings.today(), f)


@router.get("/comments/{comment_id}", response_model=CommentDetail)
async def get_comment(
    comment_id: BigRowId,
    session: SessionDep,
    settings: SettingsDep,
    principal: ApiReader,
    lang: Lang = "vi",
) -> CommentDetail:
    """One comment (masked), what may be done next, and its history."""
    return await comment_detail(session, principal, comment_id, settings.today(), lang)


@router.post("/comments/{comment_id}/reveal", response_model=CommentDetail)
async def reveal(
    request: Request,
    response: Response,
    comment_id: BigRowId,
    session: WriteSessionDep,
    settings: SettingsDep,
    principal: StaffAdmin,
) -> CommentDetail:
    """The comment with its text unmasked: admins of its unit only, audited."""
    await check_csrf(request, principal)
    response.headers["Cache-Control"] = "no-store"
    return await actions.reveal_comment(
        session, actor_of(request, principal), principal, comment_id, settings.today()
    )


@router.post(
    "/comments/{comment_id}/{action}",
    response_model=CommentDetail,
    openapi_extra=body_schema(CommentAction),
)
async def handle(
    request: Request,
    comment_id: BigRowId,
    action: CommentActionName,
    session: WriteSessionDep,
    settings: SettingsDep,
    principal: StaffManager,
) -> CommentDetail:
    """assign (assignee_id: a manager or admin of the unit), reply (reply), close or reopen
    (an optional note): managers of the comment's unit, CSRF token, audited; 409 when the
    comment's status does not allow it (a closed comment must be reopened first)."""
    await check_csrf(request, principal)
    body = await read_payload(request, CommentAction)
    actor = actor_of(request, principal)
    today = settings.today()
    return await actions.handle_comment(session, actor, principal, comment_id, action, body, today)
