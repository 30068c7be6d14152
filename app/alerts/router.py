"""A person's own alert setting."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select

from app.alerts.service import set_alerts
from app.auth.access import SignedIn, check_csrf
from app.deps import SessionDep, WriteSessionDep
from app.models import AlertOptOut

router = APIRouter(prefix="/api/v1/account", tags=["account"])


class AlertsSetting(BaseModel):
    enabled: bool


@router.get("/alerts", response_model=AlertsSetting)
async def get_alerts(principal: SignedIn, session: SessionDep) -> AlertsSetting:
    """Whether you get alert e-mails (overdue comments at your units)."""
    off = await session.scalar(
        select(AlertOptOut.user_id).where(AlertOptOut.user_id == principal.id)
    )
    return AlertsSetting(enabled=off is None)


@router.put("/alerts", response_model=AlertsSetting)
async def put_alerts(
    request: Request, body: AlertsSetting, principal: SignedIn, session: WriteSessionDep
) -> AlertsSetting:
    """Turn your alert e-mails on or off (with the session's CSRF token)."""
    await check_csrf(request, principal)
    return AlertsSetting(enabled=await set_alerts(session, principal.id, body.enabled))
