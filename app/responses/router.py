"""Responses API: list, open, export (readers in scope); exclude and restore (managers)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.auth.access import ApiReader, StaffManager, actor_of, check_csrf
from app.comments.sync import Synced
from app.deps import SessionDep, SettingsDep, WriteSessionDep
from app.errors import AppError
from app.payload import (
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
from app.responses.export import export_csv
from app.responses.schemas import ResponseDetail, ResponsePage, StatusChange
from app.responses.service import ResponseFilter, list_responses, response_detail, set_status

router = APIRouter(prefix="/api/v1", tags=["responses"])
STATUSES = ("valid", "excluded")


def response_filter(
    round: str | None = ROUND_QUERY,
    unit: str | None = UNIT_QUERY,
    channel: str | None = Query(None, description="qr, kiosk, token, interviewer or paper"),
    since: str | None = SINCE_QUERY,
    until: str | None = UNTIL_QUERY,
    status: str | None = Query(None, description="valid or excluded"),
    commented: str | None = Query(None, description="yes: holds free text; no: none"),
    over_quota: str | None = Query(None, description="yes: accepted over a soft quota; no: not"),
) -> ResponseFilter:
    """The list filter; empty values (a submitted blank form field) mean "any"."""
    if status and status not in STATUSES:
        raise AppError(f"status: expected one of {', '.join(STATUSES)}")
    return ResponseFilter(
        round=round or None,
        unit=unit or None,
        channel=channel.strip().lower() or None if channel else None,  # codes are lower case
        since=optional_day("since", since),
        until=optional_day("until", until),
        status=status or None,
        commented=yes_no(commented),
        over_quota=yes_no(over_quota),
    )


Filter = Annotated[ResponseFilter, Depends(response_filter)]


@router.get("/responses", response_model=ResponsePage)
async def get_responses(
    session: SessionDep,
    settings: SettingsDep,
    principal: ApiReader,
    _: Synced,
    f: Filter,
    before: int | None = Query(
        None, ge=1, le=INT64_MAX, description="next_before of the previous page"
    ),
    limit: int = Query(50, ge=1, le=500),
) -> ResponsePage:
    """Responses of units in your scope, newest first, filtered and paginated."""
    ordered_period(f.since, f.until)
    return await list_responses(session, principal, settings, f, before, limit)


@router.get("/responses.csv")
async def get_responses_csv(
    request: Request,
    session: SessionDep,
    audit_session: WriteSessionDep,
    settings: SettingsDep,
    principal: ApiReader,
    f: Filter,
    unmasked: bool = Query(False, description="Admins only, audited: free text not masked"),
) -> Response:
    """The filtered responses as CSV, one column per question code; free text masked."""
    ordered_period(f.since, f.until)
    actor = actor_of(request, principal)
    text = await export_csv(session, audit_session, actor, principal, settings, f, unmasked)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="responses.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/responses/{response_id}", response_model=ResponseDetail)
async def get_response(
    response_id: BigRowId,
    session: SessionDep,
    principal: ApiReader,
    _: Synced,
    lang: Literal["vi", "en"] = "vi",
) -> ResponseDetail:
    """One response with every answer, labelled as its instrument version asked it."""
    return await response_detail(session, principal, response_id, lang)


ResponseAction = Literal["exclude", "restore"]
STATUS_AFTER = {"exclude": "excluded", "restore": "valid"}


@router.post(
    "/responses/{response_id}/{action}",
    response_model=ResponseDetail,
    openapi_extra=body_schema(StatusChange),
)
async def change_status(
    request: Request,
    response_id: BigRowId,
    action: ResponseAction,
    session: WriteSessionDep,
    principal: StaffManager,
) -> ResponseDetail:
    """exclude (with a reason) or restore (reason optional) a response of a unit in your
    manager scope: the statistics follow at once; CSRF token; audited; nothing is deleted."""
    await check_csrf(request, principal)
    body = await read_payload(request, StatusChange)
    actor = actor_of(request, principal)
    status = STATUS_AFTER[action]
    return await set_status(session, actor, principal, response_id, status, body.reason)
