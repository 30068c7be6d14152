"""The citizen's form pages, shared by counters (/s/...) and invitations (/t/...): rendering,
reading the submitted fields, and the one submission flow (verify the signed id, validate,
store, redirect) with its friendly re-renders."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.collection.answers import MSG_REQUIRED, ParsedAnswer, parse_submission
from app.collection.service import CounterForm, ExpiredSubmission, Signed, SubmissionSigner
from app.db import database_unavailable
from app.errors import RETRY_AFTER_SECONDS
from app.i18n import N_, request_lang

log = logging.getLogger("sipas.collection")
NO_STORE = {"Cache-Control": "no-store"}
MSG_EXPIRED = N_(
    "Phiếu đã mở quá lâu nên cần gửi lại. Các câu trả lời của Ông/Bà vẫn được giữ nguyên."
)
MSG_UNAVAILABLE = N_(
    "Hệ thống đang tạm thời gián đoạn nên phiếu của Ông/Bà chưa được gửi. Các câu trả lời vẫn "
    "được giữ nguyên; Ông/Bà vui lòng bấm gửi lại sau ít phút."
)
# Kiosk mode (a tablet at the desk): the thank-you page returns to a fresh form after this
# long, and a form left half-answered is cleared after this long without a touch or a key.
KIOSK_RETURN_SECONDS = 30
KIOSK_IDLE_SECONDS = 90


def is_kiosk(request: Request) -> bool:
    if not request.scope.get("query_string"):
        return False
    return request.query_params.get("kiosk", "").lower() in ("1", "true", "yes", "on")


def page_query(request: Request, kiosk: bool | None = None) -> str:
    """What the form's pages keep in their URLs: the language if not Vietnamese, kiosk mode."""
    kiosk = is_kiosk(request) if kiosk is None else kiosk
    params = [("lang", "en")] if request_lang(request) == "en" else []
    params += [("kiosk", "1")] if kiosk else []
    return f"?{urlencode(params)}" if params else ""


def render_form(
    request: Request,
    target: CounterForm,
    token: str,
    values: Mapping[str, Sequence[str]] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    action: str | None = None,
) -> HTMLResponse:
    """The form page; 422 when it comes back with errors or a notice."""
    templates: Jinja2Templates = request.app.state.templates
    kiosk = is_kiosk(request)
    context = {
        "unit": target.unit,
        "form": target.form.instrument.asked,  # without the system-answered questions
        "token": token,
        "values": values or {},
        "errors": errors or {},
        "required_message": MSG_REQUIRED,  # the summary names the question instead
        "notice": notice,
        "action": action,  # where the form posts: /s/{unit} unless given (invitations: /t/...)
        "query": page_query(request, kiosk),
        "kiosk": kiosk,
        "kiosk_idle": KIOSK_IDLE_SECONDS,
    }
    status = 422 if errors or notice else 200
    return templates.TemplateResponse(
        request, "form.html", context, status_code=status, headers=NO_STORE
    )


async def form_fields(request: Request) -> dict[str, list[str]]:
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


async def kept_answers(request: Request) -> HTMLResponse:
    """503 while the database is away, before the form could even be looked up (an
    invitation's): the posted fields, kept as they came, behind one "send again" button;
    the submission id among them, so sending again stores the answers exactly once."""
    fields = await form_fields(request)
    templates: Jinja2Templates = request.app.state.templates
    context = {
        "fields": [(name, value) for name, values in fields.items() for value in values],
        "notice": MSG_UNAVAILABLE,
        "action": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    headers = {**NO_STORE, "Retry-After": str(RETRY_AFTER_SECONDS)}
    return templates.TemplateResponse(
        request, "kept.html", context, status_code=503, headers=headers
    )


# Stores a verified, valid submission; says whether it was held for review (the citizen is
# told so, politely), or None where nothing is held (invitations).
Store = Callable[[Signed, list[ParsedAnswer]], Awaitable[str | None]]


async def submit(
    request: Request,
    signer: SubmissionSigner,
    target: CounterForm,
    binding: str,
    store: Store,
    thanks_url: str,
    action: str | None = None,
    device: str = "",
) -> Response:
    """One submission: the signed id must be this server's for ``binding`` (an expired one
    gets the form back, answers kept, with a fresh id); invalid answers come back with their
    errors; valid ones are stored by ``store(signed, answers)``, then 303 to thanks (which
    says so when the response was held for review)."""
    fields = await form_fields(request)
    sid = (fields.get("sid") or [""])[0]
    try:
        signed = signer.verify(sid, binding)
    except ExpiredSubmission:
        fresh = signer.issue(binding, device)
        return render_form(request, target, fresh, fields, notice=MSG_EXPIRED, action=action)
    parsed = parse_submission(target.form.instrument.asked, fields)
    if not parsed.ok:
        return render_form(request, target, sid, fields, parsed.errors, action=action)
    try:
        outcome = await store(signed, parsed.answers)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        log.warning("database unavailable: submission at %s kept on the form: %r", binding, exc)
        # Not stored (or not known to be): the form again, answers and id kept, so sending
        # it again later stores it exactly once (the id is unique).
        page = render_form(request, target, sid, fields, notice=MSG_UNAVAILABLE, action=action)
        page.status_code = 503
        page.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return page
    if outcome == "held":
        thanks_url += ("&" if "?" in thanks_url else "?") + "held=1"
    return RedirectResponse(thanks_url, status_code=303)
