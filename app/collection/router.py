"""Public survey pages: the form a citizen opens from a counter's QR code."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Literal
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.auth.access import public_access
from app.collection.answers import parse_submission
from app.collection.cache import CounterCache
from app.collection.service import CounterForm, ExpiredSubmission, counter_form, store_submission
from app.config import Settings
from app.deps import SessionDep, SettingsDep, SignerDep, TemplatesDep
from app.i18n import N_, request_lang
from app.sampling.quotas import ensure_not_full
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


async def _counter(request: Request, unit_code: str) -> CounterForm:
    """What the counter serves today, through the replica's short-lived cache."""
    app_state = request.app.state
    today = _today(app_state.settings)

    async def load() -> CounterForm:
        async with app_state.db.sessions() as own:
            return await counter_form(own, app_state.catalogue, unit_code, today)

    cache: CounterCache = app_state.counter_cache
    return await cache.counter_form(unit_code, today, load)


def _blank_form(request: Request, target: CounterForm, token: str) -> HTMLResponse:
    """The unanswered form: rendered once per TTL and variant (language, kiosk mode), then
    only the submission id changes."""
    templates: Jinja2Templates = request.app.state.templates
    cache: CounterCache = request.app.state.counter_cache
    variant = _query(request_lang(request), _kiosk(request))

    def render(sid: str) -> str:
        response = _render_form(request, templates, target, sid)
        return bytes(response.body).decode()

    return HTMLResponse(cache.page(target, variant, render, token), headers=NO_STORE)


def _query(lang: str, kiosk: bool) -> str:
    """What the form's pages keep in their URLs: the language if not Vietnamese, kiosk mode."""
    params = [("lang", "en")] if lang == "en" else []
    params += [("kiosk", "1")] if kiosk else []
    return f"?{urlencode(params)}" if params else ""


def _render_form(
    request: Request,
    templates: Jinja2Templates,
    target: CounterForm,
    token: str,
    values: Mapping[str, Sequence[str]] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    action: str | None = None,
) -> HTMLResponse:
    kiosk = _kiosk(request)
    context = {
        "unit": target.unit,
        "form": target.form.instrument,
        "token": token,
        "values": values or {},
        "errors": errors or {},
        "notice": notice,
        "action": action,  # where the form posts: /s/{unit} unless given (invitations: /t/...)
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
    signer: SignerDep,
    lang: Lang = "vi",
    kiosk: bool = False,
) -> HTMLResponse:
    """The survey form of the open round at this counter (``kiosk=1``: on a desk tablet)."""
    target = await _counter(request, unit_code)
    if target.quotas:  # a full hard quota: say so before anyone fills in the form
        async with request.app.state.db.sessions() as session:
            await ensure_not_full(session, target.round.id, target.unit.id, None)
    return _blank_form(request, target, signer.issue(unit_code))


async def _form_fields(request: Request) -> dict[str, list[str]]:
    """The submitted fields. The form posts urlencoded; that is parsed directly (a tenth of
    the general form parser's cost); anything else (multipart) goes through Starlette."""
    fields: dict[str, list[str]] = {}
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        text = (await request.body()).decode("utf-8", errors="replace")
        for key, value in parse_qsl(text, keep_blank_values=True):
            fields.setdefault(key, []).append(value)
        return fields
    form = await request.form()
    for key, item in form.multi_items():
        if isinstance(item, str):
            fields.setdefault(key, []).append(item)
    return fields


@router.post("/s/{unit_code}", response_class=HTMLResponse)
async def submit_form(
    request: Request,
    unit_code: str,
    signer: SignerDep,
    templates: TemplatesDep,
) -> Response:
    """Store a citizen's answers once, then redirect (303) to the thank-you page."""
    fields = await _form_fields(request)
    target = await _counter(request, unit_code)
    try:
        submission_id = signer.verify((fields.get("sid") or [""])[0], unit_code)
    except ExpiredSubmission:
        token = signer.issue(unit_code)
        return _render_form(request, templates, target, token, fields, notice=MSG_EXPIRED)
    parsed = parse_submission(target.form.instrument, fields)
    if not parsed.ok:
        token = (fields.get("sid") or [""])[0]
        return _render_form(request, templates, target, token, fields, parsed.errors)
    await store_submission(request.app.state.db, target, submission_id, parsed.answers)
    query = _query(request_lang(request), _kiosk(request))
    return RedirectResponse(f"/s/{unit_code}/thanks{query}", status_code=303)


@router.get("/s/{unit_code}/thanks", response_class=HTMLResponse)
async def thanks(
    request: Request,
    unit_code: str,
    templates: TemplatesDep,
    lang: Lang = "vi",
    kiosk: bool = False,
) -> HTMLResponse:
    """Thank-you page shown after a stored submission (in kiosk mode: back to a new form)."""
    target = await _counter(request, unit_code)
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
