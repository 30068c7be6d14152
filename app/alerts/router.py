"""A person's own alert settings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from app.alerts.service import change_preferences, preferences
from app.auth.access import SignedIn, actor_of, check_csrf
from app.deps import SessionDep, WriteSessionDep

router = APIRouter(prefix="/api/v1/account", tags=["account"])


class AlertsSetting(BaseModel):
    enabled: bool = Field(description="Any alert e-mail at all")
    overdue: bool = Field(True, description="Comments overdue at your units (daily)")
    below_target: bool = Field(True, description="A unit of yours fell below its target")
    digest: bool = Field(True, description="The weekly digest")


class AlertsChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    overdue: bool | None = None
    below_target: bool | None = None
    digest: bool | None = None


@router.get("/alerts", response_model=AlertsSetting)
async def get_alerts(principal: SignedIn, session: SessionDep) -> AlertsSetting:
    """Whether you get alert e-mails, and which kinds."""
    return AlertsSetting(**await preferences(session, principal.id))


@router.put("/alerts", response_model=AlertsSetting)
async def put_alerts(
    request: Request, body: AlertsChange, principal: SignedIn, session: WriteSessionDep
) -> AlertsSetting:
    """Turn your alert e-mails, or some kinds of them, on or off (with the session's CSRF
    token); fields left out stay as they are."""
    await check_csrf(request, principal)
    changes = body.model_dump(exclude_none=True)
    actor = actor_of(request, principal)
    return AlertsSetting(**await change_preferences(session, actor, principal.id, changes))
