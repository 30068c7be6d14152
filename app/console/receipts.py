"""Console page "print a receipt code": a counter without one-stop integration types the
dossier number of the receipt it is handing over and prints the code beside it (QR + text).
The same codes as the one-stop software makes (docs/integrity.md); audited by count."""

from __future__ import annotations

from typing import Any

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from app.auth.access import StaffManager, actor_of, check_csrf
from app.console.forms import Form
from app.console.views import render
from app.deps import SessionDep, SettingsDep, WriteSessionDep
from app.errors import AppError
from app.integrity.service import issue_receipts
from app.rounds.service import get_round

router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)


def _page(request: Request, round_code: str, form: Form | None, **extra: Any) -> HTMLResponse:
    values = form.values() if form else {}
    errors = form.errors if form else {}
    status = 422 if errors or extra.get("failure") else 200
    context = {"round_code": round_code, "values": values, "errors": errors, **extra}
    return render(request, "console/receipt.html", context, status)


@router.get("/receipt", response_class=HTMLResponse)
async def receipt_page(
    request: Request, round_code: str, principal: StaffManager, session: SessionDep
) -> HTMLResponse:
    """The form: a counter's code and a dossier number."""
    await get_round(session, round_code)
    return _page(request, round_code, None)


@router.post("/receipt", response_class=HTMLResponse)
async def print_receipt(
    request: Request,
    round_code: str,
    principal: StaffManager,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """The code for one dossier at a counter the manager serves, ready to print."""
    await check_csrf(request, principal)
    form = await Form.read(request)
    unit = form.code("unit")
    dossier = form.text("dossier", 64)
    if not form.ok:
        return _page(request, round_code, form)
    round_ = await get_round(session, round_code)
    actor = actor_of(request, principal)
    try:
        made = await issue_receipts(
            session, actor, settings, round_, unit, [dossier], principal=principal
        )
    except AppError as exc:
        if exc.status_code == 403:
            raise
        await session.rollback()
        return _page(request, round_code, form, failure=exc)
    qr = segno.make(made[0].url, error="m").svg_inline(scale=1, omitsize=True, border=2)
    return _page(request, round_code, form, receipt=made[0], qr=Markup(qr))
