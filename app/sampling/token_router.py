"""Public pages of an invitation: the round's form for the token's unit, answered once."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth.access import public_access
from app.collection.answers import ParsedAnswer
from app.collection.pages import NO_STORE, kept_answers, page_query, render_form, submit
from app.collection.service import Signed
from app.db import database_unavailable
from app.deps import (
    CatalogueDep,
    SessionDep,
    SettingsDep,
    SignerDep,
    TemplatesDep,
)
from app.integrity.device import device_of
from app.integrity.intake import screened
from app.sampling.invitations import InvitedForm, find_invitation, open_invitation, redeem

router = APIRouter(tags=["invitations"], dependencies=[Depends(public_access)])
Lang = Literal["vi", "en"]


def _binding(invited: InvitedForm) -> str:
    """What a served form's signed submission id is bound to: this invitation only."""
    return f"invitation:{invited.invitation.id}"


@router.get("/t/{token}", response_class=HTMLResponse)
async def show_invited_form(
    request: Request,
    token: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    signer: SignerDep,
    lang: Lang = "vi",
) -> HTMLResponse:
    """The form an invitation opens (410 once answered, for a closed round or a full quota)."""
    invited = await open_invitation(session, catalogue, token, settings.today())
    action = f"/t/{token}{page_query(request, kiosk=False)}"
    token_sid = signer.issue(_binding(invited), device_of(request)[0])
    return render_form(request, invited.target, token_sid, action=action)


@router.post("/t/{token}", response_class=HTMLResponse)
async def submit_invited_form(
    request: Request,
    token: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    signer: SignerDep,
) -> Response:
    """Store the invitation's answers and redeem it in one transaction, then redirect (303).
    The transaction commits inside ``store``, so a database that goes away at any point
    gives the citizen their answers back (503), never an error page that loses them."""
    try:
        invited = await open_invitation(session, catalogue, token, settings.today())
        # Its connection back to the pool before the write takes one (the loaded invitation
        # stays usable: sessions do not expire on commit); a burst of posts for one token
        # would otherwise hold two connections each while they queue for the write.
        await session.commit()
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        return await kept_answers(request)
    query = page_query(request, kiosk=False)

    async def store(signed: Signed, answers: list[ParsedAnswer]) -> str:
        async with request.app.state.db.writing() as write:
            paradata, verdict = await screened(request, invited.target, signed, answers, "token")
            return await redeem(write, invited, signed.submission_id, answers, paradata, verdict)

    binding, thanks_url = _binding(invited), f"/t/{token}/thanks{query}"
    return await submit(
        request, signer, invited.target, binding, store, thanks_url, f"/t/{token}{query}"
    )


@router.get("/t/{token}/thanks", response_class=HTMLResponse)
async def invited_thanks(
    request: Request,
    token: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    templates: TemplatesDep,
    lang: Lang = "vi",
) -> Response:
    """Thank-you page after an invitation was answered (back to the form if it was not)."""
    invitation, round_, unit = await find_invitation(session, token)
    if invitation.redeemed_at is None:
        return RedirectResponse(f"/t/{token}", status_code=303)
    context = {"unit": unit, "form": catalogue.get(round_.form_code).instrument}
    return templates.TemplateResponse(request, "thanks.html", context, headers=NO_STORE)
