"""Public survey pages: the form a citizen opens from a counter's QR code."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth.access import public_access
from app.collection.answers import parse_submission
from app.collection.service import CounterForm, ExpiredSubmission, counter_form, store_response
from app.config import Settings
from app.deps import (
    CatalogueDep,
    SessionDep,
    SettingsDep,
    SignerDep,
    TemplatesDep,
    WriteSessionDep,
)
from app.sampling.quotas import ensure_not_full
from app.units.service import get_unit

router = APIRouter(tags=["collection"], dependencies=[Depends(public_access)])
Lang = Literal["vi", "en"]
NO_STORE = {"Cache-Control": "no-store"}
MSG_EXPIRED = "Phiếu đã mở quá lâu nên cần gửi lại. Các câu trả lời của Ông/Bà vẫn được giữ nguyên."


def _today(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.timezone)).date()


def public_url(settings: Settings, unit_code: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/s/{unit_code}"


def _render_form(
    request: Request,
    templates: TemplatesDep,
    target: CounterForm,
    token: str,
    lang: str,
    values: Mapping[str, Sequence[str]] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    action: str | None = None,
) -> HTMLResponse:
    context = {
        "unit": target.unit,
        "form": target.form.instrument,
        "token": token,
        "lang": lang,
        "values": values or {},
        "errors": errors or {},
        "notice": notice,
        "action": action,  # where the form posts: /s/{unit} unless given (invitations: /t/...)
    }
    status = 422 if errors or notice else 200
    return templates.TemplateResponse(
        request, "form.html", context, status_code=status, headers=NO_STORE
    )


@router.get("/s/{unit_code}", response_class=HTMLResponse)
async def show_form(
    request: Request,
    unit_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    signer: SignerDep,
    templates: TemplatesDep,
    lang: Lang = "vi",
) -> HTMLResponse:
    """The survey form of the open round at this counter."""
    target = await counter_form(session, catalogue, unit_code, _today(settings))
    await ensure_not_full(session, target.round.id, target.unit.id, None)  # sampling hook
    return _render_form(request, templates, target, signer.issue(unit_code), lang)


async def _form_fields(request: Request) -> dict[str, list[str]]:
    form = await request.form()
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, []).append(value)
    return fields


@router.post("/s/{unit_code}", response_class=HTMLResponse)
async def submit_form(
    request: Request,
    unit_code: str,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    signer: SignerDep,
    templates: TemplatesDep,
) -> Response:
    """Store a citizen's answers once, then redirect (303) to the thank-you page."""
    fields = await _form_fields(request)
    lang = "en" if fields.get("lang") == ["en"] else "vi"
    target = await counter_form(session, catalogue, unit_code, _today(settings))
    try:
        submission_id = signer.verify((fields.get("sid") or [""])[0], unit_code)
    except ExpiredSubmission:
        token = signer.issue(unit_code)
        return _render_form(request, templates, target, token, lang, fields, notice=MSG_EXPIRED)
    parsed = parse_submission(target.form.instrument, fields)
    if not parsed.ok:
        token = (fields.get("sid") or [""])[0]
        return _render_form(request, templates, target, token, lang, fields, parsed.errors)
    await store_response(session, target, submission_id, parsed.answers)
    suffix = "?lang=en" if lang == "en" else ""
    return RedirectResponse(f"/s/{unit_code}/thanks{suffix}", status_code=303)


@router.get("/s/{unit_code}/thanks", response_class=HTMLResponse)
async def thanks(
    request: Request,
    unit_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    lang: Lang = "vi",
) -> HTMLResponse:
    """Thank-you page shown after a stored submission."""
    target = await counter_form(session, catalogue, unit_code, _today(settings))
    context = {"unit": target.unit, "form": target.form.instrument, "lang": lang}
    return templates.TemplateResponse(request, "thanks.html", context, headers=NO_STORE)


@router.get("/s/{unit_code}/qr.{fmt}")
async def qr_code(
    unit_code: str, fmt: Literal["svg", "png"], session: SessionDep, settings: SettingsDep
) -> Response:
    """The counter's QR code, pointing at its public form URL."""
    unit = await get_unit(session, unit_code)
    qr = segno.make(public_url(settings, unit.code), error="m")
    if fmt == "svg":
        body = qr.svg_inline(scale=8, title=unit.name).encode()
        media = "image/svg+xml"
    else:
        buffer = io.BytesIO()
        qr.save(buffer, kind="png", scale=10, border=4)
        body, media = buffer.getvalue(), "image/png"
    return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=3600"})
