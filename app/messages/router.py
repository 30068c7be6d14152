"""Invitations to send (feeder keys) and the providers' callbacks (a shared token)."""

from __future__ import annotations

import hmac
from typing import Literal

from fastapi import APIRouter, Depends, Header

from app.auth.access import ApiFeeder, public_access
from app.deps import SettingsDep, WriteSessionDep
from app.errors import NotFound
from app.messages.schemas import CallbackIn, InvitationsIn, InvitationsOut
from app.messages.service import handle_callback, queue_invitation
from app.units.service import load_tree

router = APIRouter(prefix="/api/v1", tags=["messages"])


@router.post("/dossiers/invitations", response_model=InvitationsOut)
async def post_invitations(
    body: InvitationsIn, principal: ApiFeeder, session: WriteSessionDep, settings: SettingsDep
) -> InvitationsOut:
    """Queue invitations (SMS, Zalo, e-mail) of returned dossiers: each carries the dossier's
    own rating link, is sent by the background worker, reminded once, and its contact erased."""
    tree, today = await load_tree(session), settings.today()
    results = [
        await queue_invitation(session, settings, principal, tree, item, today)
        for item in body.invitations
    ]
    return InvitationsOut(results=results)


@router.post("/messages/callbacks/{channel}", dependencies=[Depends(public_access)])
async def provider_callback(
    channel: Literal["sms", "zalo", "email"],
    body: CallbackIn,
    session: WriteSessionDep,
    settings: SettingsDep,
    x_sipas_callback_token: str = Header(""),
) -> dict[str, str]:
    """A provider's delivery report or a citizen's stop reply (header X-Sipas-Callback-Token)."""
    expected = settings.message_callback_token
    if not expected or not hmac.compare_digest(x_sipas_callback_token, expected):
        raise NotFound("no such callback")  # says nothing to whoever lacks the token
    return {"result": await handle_callback(session, settings, channel, body)}
