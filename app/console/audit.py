"""Console page: the audit trail of your admin scope, filterable, with a CSV link."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.audit.service import AuditFilter, list_events
from app.auth.access import StaffAdmin
from app.console.audit_labels import ACTIONS, details
from app.console.forms import Form
from app.console.views import render
from app.deps import SessionDep, SettingsDep
from app.units.service import load_tree

router = APIRouter(prefix="/console/audit", include_in_schema=False)
SHOWN = 200
FILTERS = ("action", "object_type", "actor", "since", "until")


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


@router.get("", response_class=HTMLResponse)
async def audit_page(
    request: Request, principal: StaffAdmin, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """The latest events about units in your admin scope (dates in local time)."""
    form = Form([(k, v) for k, v in request.query_params.multi_items() if k in FILTERS])
    zone = ZoneInfo(settings.timezone)
    since = form.day("since") if form.get("since") else None
    until = form.day("until") if form.get("until") else None
    since_at = _start_of(since, zone) if since else None
    until_at = _start_of(until + timedelta(days=1), zone) if until else None  # through that day
    query = {k: form.get(k) for k in ("action", "object_type", "actor") if form.get(k)}
    query.update({k: v.isoformat() for k, v in (("since", since_at), ("until", until_at)) if v})
    tree = await load_tree(session)
    events = []
    if form.ok:
        text = (query.get("action"), query.get("object_type"), query.get("actor"))
        f = AuditFilter(*text, since=since_at, until=until_at, limit=SHOWN)
        events = await list_events(session, principal.visible_units("admin", tree), f)
    context = {
        "events": [(e, details(e.changes or {})) for e in events],
        "actions": ACTIONS,
        "units": tree.by_id,
        "values": form.values(),
        "errors": form.errors,
        "csv": "/api/v1/audit.csv" + (f"?{urlencode(query)}" if query else ""),
        "shown": SHOWN,
    }
    return render(request, "console/audit.html", context, 422 if form.errors else 200)
