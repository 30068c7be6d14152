"""Public pages of an invitation: the round's form for the token's unit, answered once."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth.access import public_access
from app.collection.answers import parse_submission
from app.collection.router import (
    MSG_EXPIRED,
    NO_STORE,
    _form_fields,
    _query,
    _render_form,
    _today,
)
from app.collection.service import ExpiredSubmission
from app.deps import (
    CatalogueDep,
    SessionDep,
    SettingsDep,
    SignerDep,
    TemplatesDep,
    WriteSessionDep,
)
from app.i18n import request_lang
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
    templates: TemplatesDep,
    lang: Lang = "vi",
) -> HTMLResponse:
    """The form an invitation opens (410 once answered, for a closed round or a full quota)."""
    invited = await open_invitation(session, catalogue, token, _today(settings))
    sid = signer.issue(_binding(invited))
    action = f"/t/{token}{_query(request_lang(request), False)}"
    return _render_form(request, templates, invited.target, sid, action=action)


@router.post("/t/{token}", response_class=HTMLResponse)
async def submit_invited_form(
    request: Request,
    token: str,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    signer: SignerDep,
    templates: TemplatesDep,
) -> Response:
    """Store the invitation's answers and redeem it in one transaction, then redirect (303)."""
    fields = await _form_fields(request)
    query = _query(request_lang(request), False)
    invited = await open_invitation(session, catalogue, token, _today(settings))
    action = f"/t/{token}{query}"
    try:
        submission_id = signer.verify((fields.get("sid") or [""])[0], _binding(invited))
    except ExpiredSubmission:
        sid = signer.issue(_binding(invited))
        return _render_form(
            request, templates, invited.target, sid, fields, notice=MSG_EXPIRED, action=action
        )
    parsed = parse_submission(invited.target.form.instrument, fields)
    if not parsed.ok:
        sid = (fields.get("sid") or [""])[0]
        return _render_form(
            request, templates, invited.target, sid, fields, parsed.errors, action=action
        )
    await redeem(session, invited, submission_id, parsed.answers)
    return RedirectResponse(f"/t/{token}/thanks{query}", status_code=303)


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
