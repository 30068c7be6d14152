"""Invitations to send (feeder keys) and the providers' callbacks (a shared token)."""

from __future__ import annotations

import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Request

from app.auth.access import ApiFeeder, public_access, staff
from app.auth.principal import Principal
from app.deps import SessionDep, SettingsDep, WriteSessionDep
from app.errors import NotFound
from app.messages.batches import list_batches, request_batch
from app.messages.schemas import (
    BatchesOut,
    BatchIn,
    BatchOut,
    CallbackIn,
    InvitationsIn,
    InvitationsOut,
)
from app.messages.service import handle_callback, queue_invitation
from app.payload import RowId
from app.rounds.service import round_in_scope
from app.sampling.router import RoundAdmin
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


DRAW_INVITATIONS = "/rounds/{round_code}/draws/{draw_id}/invitations"


@router.post(DRAW_INVITATIONS, response_model=BatchOut, status_code=202)
async def post_draw_invitations(
    request: Request,
    draw_id: RowId,
    body: BatchIn,
    change: RoundAdmin,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> BatchOut:
    """Send invitations to the draw's selected dossiers (an admin of the whole round, with the
    session's CSRF token): each gets a single-use invitation link by SMS, Zalo or e-mail, on the
    first channel its listed contact allows. Answered at once with the batch; the background
    worker issues the invitations and sends them (quiet hours, one reminder, opt-out, rate
    limits), and the contacts are erased once done."""
    scope = change.scope  # admin of the whole round and CSRF, checked before the body
    batch = await request_batch(
        session, settings, change.actor, scope.round, scope.anchor, draw_id, list(body.channels)
    )
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake("messages.batches")  # after this request commits, in the background
    return batch


@router.get(DRAW_INVITATIONS, response_model=BatchesOut)
async def get_draw_invitations(
    round_code: str,
    draw_id: RowId,
    session: SessionDep,
    principal: Annotated[Principal, Depends(staff("viewer"))],
) -> BatchesOut:
    """The draw's batches of invitations, newest first: what was queued or passed over, and
    the messages by status and by the provider's delivery report."""
    round_ = await round_in_scope(session, principal, round_code, "viewer")
    return BatchesOut(batches=await list_batches(session, round_, draw_id))
