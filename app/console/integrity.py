"""Console page of a round's integrity: the report (most suspicious units first, with the
evidence), the responses held for review, and the review itself (accept or reject, in bulk,
with a reason). app.integrity does the work, as the API does."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import StaffManager, StaffViewer, actor_of, check_csrf
from app.console.charts import Day, timeline_chart
from app.console.forms import Form
from app.console.round_pages import RoundView, Step
from app.console.views import done
from app.deps import SessionDep, WriteSessionDep
from app.i18n import N_
from app.integrity import service
from app.integrity.policy import describe
from app.integrity.review import Decision, decide
from app.integrity.schemas import UnitIntegrity

router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)
CHARTED = 3  # the most suspicious units get their timeline drawn
HELD_SHOWN = 200
MSG_NONE = N_("Hãy chọn ít nhất một phiếu.")


def _chart(unit: UnitIntegrity) -> Any:
    days = [Day(d.day[5:], d.responses, d.held) for d in unit.days[-30:]]
    return timeline_chart(
        days,
        unit.expected_per_day,
        f"{unit.unit}: số phiếu mỗi ngày / responses per day",
        f"timeline-{unit.unit}",
        "cột: số phiếu (phần sẫm: bị giữ); đường gạch: số giao dịch dự kiến mỗi ngày",
    )


async def _context(session: AsyncSession, view: RoundView) -> dict[str, Any]:
    report = await service.report_for(session, view.round, view.tree, None)
    held = await service.held_of(session, view.round, None, None, HELD_SHOWN)
    charts = {u.unit: _chart(u) for u in report.units[:CHARTED] if u.suspicion > 0}
    return {
        "report": report,
        "policy_text": describe(report.policy),
        "held": held.items,
        "charts": charts,
    }


INTEGRITY = Step("console/round_integrity.html", "integrity", _context)


@router.get("/integrity", response_class=HTMLResponse)
async def integrity_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """Units whose data look gamed, with the evidence; responses held for review."""
    return await INTEGRITY.page(request, session, principal, round_code)


@router.post("/review", response_class=HTMLResponse)
async def review(
    request: Request, round_code: str, principal: StaffManager, session: WriteSessionDep
) -> Response:
    """Accept or reject the chosen held responses (managers from outside the unit)."""
    await check_csrf(request, principal)
    form = await Form.read(request)
    chosen = form.choice("decision", ["accept", "reject"])
    decision: Decision = "accept" if chosen == "accept" else "reject"
    reason = form.text("reason", 2000)
    ids = [int(v) for v in form.getlist("ids") if v.isdigit() and len(v) < 19]
    if not ids:
        form.fail("ids", MSG_NONE)
    call = None
    if form.ok:
        call = decide(session, actor_of(request, principal), principal, ids, decision, reason)
    url = f"/console/rounds/{quote(round_code)}/integrity"
    return await INTEGRITY.submit(
        request, session, principal, round_code, form, call, lambda _: done(url, "reviewed")
    )
