"""Public survey pages: the form a citizen opens from a counter's QR code."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Literal
from urllib.parse import urlencode
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
from app.i18n import N_, request_lang
from app.units.service import get_unit

router = APIRouter(tags=["collection"], dependencies=[Depends(public_access)])
Lang = Literal["vi", "en"]
NO_STORE = {"Cache-Control": "no-store"}
MSG_EXPIRED = N_(
    "Phiếu đã mở quá lâu nên cần gửi lại. Các câu trả lời của Ông/Bà vẫn được giữ nguyên."
)
# Kiosk mode (a tablet at the desk): the thank-you page returns to a fresh form after this
# long, and a form left half-answered is cleared after this long without a touch or a key.
KIOSK_RETURN_SECONDS = 30
KIOSK_IDLE_SECONDS = 90


def _kiosk(request: Request) -> bool:
    return request.query_params.get("kiosk", "").lower() in ("1", "true", "yes", "on")


def _today(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.timezone)).date()


def public_url(settings: Settings, unit_code: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/s/{unit_code}"


def _query(lang: str, kiosk: bool) -> str:
    """What the form's pages keep in their URLs: the language if not Vietnamese, kiosk mode."""
    params = [("lang", "en")] if lang == "en" else []
    params += [("kiosk", "1")] if kiosk else []
    return f"?{urlencode(params)}" if params else ""


def _render_form(
    request: Request,
    templates: TemplatesDep,
    target: CounterForm,
    token: str,
    values: Mapping[str, Sequence[str]] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    kiosk = _kiosk(request)
    context = {
        "unit": target.unit,
        "form": target.form.instrument,
        "token": token,
        "values": values or {},
        "errors": errors or {},
        "notice": notice,
        "query": _query(request_lang(request), kiosk),
        "kiosk": kiosk,
        "kiosk_idle": KIOSK_IDLE_SECONDS,
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
    kiosk: bool = False,
) -> HTMLResponse:
    """The survey form of the open round at this counter (``kiosk=1``: on a desk tablet)."""
    target = await counter_form(session, catalogue, unit_code, _today(settings))
    return _render_form(request, templates, target, signer.issue(unit_code))


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
    target = await counter_form(session, catalogue, unit_code, _today(settings))
    try:
        submission_id = signer.verify((fields.get("sid") or [""])[0], unit_code)
    except ExpiredSubmission:
        token = signer.issue(unit_code)
        return _render_form(request, templates, target, token, fields, notice=MSG_EXPIRED)
    parsed = parse_submission(target.form.instrument, fields)
    if not parsed.ok:
        token = (fields.get("sid") or [""])[0]
        return _render_form(request, templates, target, token, fields, parsed.errors)
    await store_response(session, target, submission_id, parsed.answers)
    query = _query(request_lang(request), _kiosk(request))
    return RedirectResponse(f"/s/{unit_code}/thanks{query}", status_code=303)


@router.get("/s/{unit_code}/thanks", response_class=HTMLResponse)
async def thanks(
    request: Request,
    unit_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    lang: Lang = "vi",
    kiosk: bool = False,
) -> HTMLResponse:
    """Thank-you page shown after a stored submission (in kiosk mode: back to a new form)."""
    target = await counter_form(session, catalogue, unit_code, _today(settings))
    context = {
        "unit": target.unit,
        "form": target.form.instrument,
        "kiosk": kiosk,
        "kiosk_return": KIOSK_RETURN_SECONDS,
    }
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
