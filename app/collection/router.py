"""Public survey pages: the form a citizen opens from a counter's QR code."""

from __future__ import annotations

import io
from typing import Literal

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.access import public_access, public_endpoint
from app.collection.addresses import UNKNOWN_COUNTER, moved_or_unknown
from app.collection.answers import ParsedAnswer
from app.collection.cache import CounterCache
from app.collection.pages import (
    KIOSK_RETURN_SECONDS,
    NO_STORE,
    page_query,
    render_form,
    submit,
)
from app.collection.service import (
    CounterForm,
    Signed,
    SubmissionSigner,
    counter_form,
    store_submission,
)
from app.config import Settings
from app.deps import SessionDep, SettingsDep, TemplatesDep
from app.errors import Forbidden, NotFound
from app.i18n import N_
from app.integrity.device import device_of, remember_device
from app.integrity.intake import screened
from app.sampling.quotas import ensure_not_full
from app.units.service import get_unit

router = APIRouter(tags=["collection"], dependencies=[Depends(public_access)])
Lang = Literal["vi", "en"]


def public_url(settings: Settings, unit_code: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/s/{unit_code}"


async def counter_of(request: Request, unit_code: str) -> CounterForm:
    """What the counter serves today, through the replica's short-lived cache."""
    app_state = request.app.state
    today = app_state.settings.today()

    async def load() -> CounterForm:
        async with app_state.db.sessions() as own:
            return await counter_form(own, app_state.catalogue, unit_code, today)

    cache: CounterCache = app_state.counter_cache
    return await cache.counter_form(unit_code, today, load)


class ReceiptRequired(Forbidden):
    code = "receipt_required"
    title = N_("Cần mã trên biên nhận")


def require_no_receipt(target: CounterForm) -> None:
    """A round that requires receipt codes takes no answers through the counter's poster."""
    if target.policy.receipts == "require":
        raise ReceiptRequired(
            N_(
                "Đợt khảo sát này nhận ý kiến qua mã in trên biên nhận hồ sơ của Ông/Bà. "
                "Xin Ông/Bà quét mã QR trên biên nhận (phiếu hẹn trả kết quả)."
            )
        )


async def _counter_or_moved(request: Request, unit_code: str) -> CounterForm | Response:
    """The counter, or a redirect to its address in the right letter case (see addresses)."""
    try:
        return await counter_of(request, unit_code)
    except NotFound:
        return await moved_or_unknown(request, unit_code)


def _blank_form(request: Request, target: CounterForm, signer: SubmissionSigner) -> HTMLResponse:
    """The unanswered form: rendered once per TTL and variant (language, kiosk mode), then
    only the submission id changes. It is signed for the device that asked (a first-party
    cookie, set here when missing): the response's device pseudonym (app/integrity)."""
    cache: CounterCache = request.app.state.counter_cache

    def render(sid: str) -> str:
        return bytes(render_form(request, target, sid).body).decode()

    device, new = device_of(request)
    token = signer.issue(target.unit.code, device)
    page = HTMLResponse(cache.page(target, page_query(request), render, token), headers=NO_STORE)
    if new:
        remember_device(page, device, request.app.state.settings)
    return page


@router.get("/s/{unit_code}", response_class=HTMLResponse)
async def show_form(
    request: Request,
    unit_code: str,
    lang: Lang = "vi",
    kiosk: bool = False,
) -> Response:
    """The survey form of the open round at this counter (``kiosk=1``: on a desk tablet)."""
    signer: SubmissionSigner = request.app.state.signer  # not a dependency: the hot path
    target = await _counter_or_moved(request, unit_code)
    if isinstance(target, Response):
        return target
    require_no_receipt(target)
    if target.quotas:  # a full hard quota: say so before anyone fills in the form
        async with request.app.state.db.sessions() as session:
            await ensure_not_full(session, target.round.id, target.unit.id, None)
    return _blank_form(request, target, signer)


@public_endpoint
async def submit_form(request: Request) -> Response:
    """Store a citizen's answers once, then redirect (303) to the thank-you page.

    A plain Starlette endpoint, the busiest route there is: FastAPI's per-request dependency
    solving and wrapping were about a fifth of the CPU this route spends outside the database
    (docs/performance.md). It reads nothing but its path and the form body.
    """
    unit_code: str = request.path_params["unit_code"]
    signer: SubmissionSigner = request.app.state.signer
    try:
        target = await counter_of(request, unit_code)
    except NotFound as exc:
        raise NotFound(UNKNOWN_COUNTER) from exc
    require_no_receipt(target)

    async def store(signed: Signed, answers: list[ParsedAnswer]) -> str:
        paradata, verdict = await screened(request, target, signed, answers)
        db = request.app.state.db
        stored = await store_submission(
            db, target, signed.submission_id, answers, paradata, verdict
        )
        return stored.outcome

    thanks_url = f"/s/{unit_code}/thanks{page_query(request)}"
    device = device_of(request)[0]
    return await submit(request, signer, target, unit_code, store, thanks_url, device=device)


router.add_route("/s/{unit_code}", submit_form, methods=["POST"])


@router.get("/s/{unit_code}/thanks", response_class=HTMLResponse)
async def thanks(
    request: Request,
    unit_code: str,
    templates: TemplatesDep,
    lang: Lang = "vi",
    kiosk: bool = False,
    held: bool = False,
) -> Response:
    """Thank-you page shown after a stored submission (in kiosk mode: back to a new form);
    ``held=1``: it was kept for review before it counts (a limit or a rule)."""
    target = await _counter_or_moved(request, unit_code)
    if isinstance(target, Response):
        return target
    context = {
        "held": held,
        "unit": target.unit,
        "form": target.form.instrument,
        "kiosk": kiosk,
        "kiosk_return": KIOSK_RETURN_SECONDS,
    }
    return templates.TemplateResponse(request, "thanks.html", context, headers=NO_STORE)


@router.get("/s/{unit_code}/qr.{fmt}")
async def qr_code(
    request: Request,
    unit_code: str,
    fmt: Literal["svg", "png"],
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The counter's QR code, pointing at its public form URL (SVG: a standalone file)."""
    try:
        unit = await get_unit(session, unit_code)
    except NotFound:
        return await moved_or_unknown(request, unit_code)
    qr = segno.make(public_url(settings, unit.code), error="m")
    buffer = io.BytesIO()
    if fmt == "svg":  # with its XML declaration and namespace: valid outside an HTML page
        qr.save(buffer, kind="svg", scale=8, title=unit.name, xmldecl=True, svgns=True)
        media = "image/svg+xml"
    else:
        qr.save(buffer, kind="png", scale=10, border=4)
        media = "image/png"
    headers = {"Cache-Control": "public, max-age=3600"}
    return Response(buffer.getvalue(), media_type=media, headers=headers)
