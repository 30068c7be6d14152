"""Public integrity pages: a receipt code's form (/r/{code}) and a kiosk's activation (/k/{key})."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import ColumnElement, select

from app.auth.access import public_access
from app.collection.answers import ParsedAnswer
from app.collection.pages import NO_STORE, page_query, render_form, submit
from app.collection.router import counter_of
from app.collection.service import CounterForm, Signed, SubmissionSigner, response_values
from app.config import Settings
from app.errors import Gone, NotFound
from app.i18n import N_
from app.integrity.admission import admit
from app.integrity.device import KIOSK_COOKIE, device_of, first_party_cookie
from app.integrity.intake import screened
from app.integrity.kiosks import find_kiosk
from app.integrity.receipts import Receipt, parse_code, round_key
from app.models import Response as StoredResponse
from app.models import Unit

router = APIRouter(tags=["integrity"], dependencies=[Depends(public_access)])
Lang = Literal["vi", "en"]
KIOSK_COOKIE_DAYS = 5 * 365


class ReceiptUsed(Gone):
    code = "receipt_used"
    title = N_("Mã này đã được dùng")


MSG_USED = N_(
    "Mã trên biên nhận này đã được dùng để đánh giá. Mỗi hồ sơ được đánh giá một lần. "
    "Xin cảm ơn Ông/Bà."
)


async def _receipt(request: Request, code: str) -> tuple[Receipt, CounterForm, str]:
    """The receipt in ``code``, verified against the open round at its unit; its hash."""
    receipt = parse_code(code)
    target = await counter_of(request, receipt.unit_code)
    settings: Settings = request.app.state.settings
    receipt.verify(round_key(settings.secret_key, target.round.code))
    return receipt, target, receipt.dossier_hash(settings.secret_key, target.round.code)


async def _stored_where(request: Request, condition: ColumnElement[bool]) -> bool:
    """Whether a response matching ``condition`` is stored (a used code, a stored id)."""
    async with request.app.state.db.sessions() as session:
        found = await session.scalar(select(StoredResponse.id).where(condition).limit(1))
    return found is not None


@router.get("/r/{code}", response_class=HTMLResponse)
async def show_receipt_form(request: Request, code: str, lang: Lang = "vi") -> HTMLResponse:
    """The form a receipt code opens: the open round at the code's unit, answered once."""
    _, target, dossier_hash = await _receipt(request, code)
    if await _stored_where(request, StoredResponse.receipt_hash == dossier_hash):
        raise ReceiptUsed(MSG_USED)
    signer: SubmissionSigner = request.app.state.signer
    sid = signer.issue(f"receipt:{dossier_hash}", device_of(request)[0])
    return render_form(request, target, sid, action=f"/r/{code}{page_query(request)}")


@router.post("/r/{code}", response_class=HTMLResponse)
async def submit_receipt_form(request: Request, code: str) -> Response:
    """Store the answers of a receipt code once (concurrent submissions: exactly one)."""
    _, target, dossier_hash = await _receipt(request, code)
    signer: SubmissionSigner = request.app.state.signer

    async def store(signed: Signed, answers: list[ParsedAnswer]) -> str:
        paradata, verdict = await screened(
            request, target, signed, answers, "receipt", dossier_hash
        )
        values = response_values(target, signed.submission_id, "receipt", answers)
        async with request.app.state.db.writing() as session:
            admission = await admit(session, values, answers, paradata, verdict)
        replayed = StoredResponse.submission_id == signed.submission_id
        if admission.outcome == "replay" and not await _stored_where(request, replayed):
            raise ReceiptUsed(MSG_USED)
        return admission.outcome

    query = page_query(request)
    thanks = f"/s/{target.unit.code}/thanks{query}"
    binding, action = f"receipt:{dossier_hash}", f"/r/{code}{query}"
    device = device_of(request)[0]
    return await submit(request, signer, target, binding, store, thanks, action, device)


@router.get("/k/{key}", response_class=HTMLResponse)
async def activate_kiosk(request: Request, key: str) -> Response:
    """Open once on a desk tablet: it becomes the registered kiosk and shows its counter's
    form in kiosk mode."""
    seen = await find_kiosk(request.app.state.db, key[:128])
    if seen is None:
        raise NotFound(N_("Không tìm thấy thiết bị đăng ký với đường dẫn này."))
    async with request.app.state.db.sessions() as session:
        unit_code = await session.scalar(select(Unit.code).where(Unit.id == seen.unit_id))
    settings: Settings = request.app.state.settings
    page = RedirectResponse(f"/s/{unit_code}?kiosk=1", status_code=303, headers=NO_STORE)
    first_party_cookie(page, KIOSK_COOKIE, key, KIOSK_COOKIE_DAYS, settings)
    return page
