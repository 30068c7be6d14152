"""Console pages: the instrument catalogue, one instrument, and a preview as citizens see it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.auth.access import StaffViewer
from app.console.views import render
from app.deps import CatalogueDep, SessionDep
from app.i18n import request_lang
from app.instruments.service import form_detail

router = APIRouter(prefix="/console/instruments", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
async def instruments_page(
    request: Request, principal: StaffViewer, catalogue: CatalogueDep
) -> HTMLResponse:
    """Every instrument served now: code, version, content hash, title, criteria codes."""
    forms = [catalogue.get(code) for code in catalogue.codes()]
    return render(request, "console/instruments.html", {"forms": forms})


@router.get("/{code}", response_class=HTMLResponse)
async def instrument_page(
    request: Request,
    code: str,
    principal: StaffViewer,
    session: SessionDep,
    catalogue: CatalogueDep,
) -> HTMLResponse:
    """One instrument: elements and criteria with their codes, scale, rule, stored versions."""
    form = catalogue.get(code)
    detail = await form_detail(session, catalogue, code, request_lang(request))
    return render(request, "console/instrument.html", {"form": form, "detail": detail})


@router.get("/{code}/preview", response_class=HTMLResponse)
async def instrument_preview(
    request: Request, code: str, principal: StaffViewer, catalogue: CatalogueDep
) -> HTMLResponse:
    """The form exactly as citizens see it, with the submit button disabled."""
    form = catalogue.get(code)
    context: dict[str, Any] = {
        "form": form.instrument.asked,
        "unit": None,
        "token": "",
        "values": {},
        "errors": {},
        "notice": None,
        "preview": True,
    }
    return render(request, "form.html", context)
