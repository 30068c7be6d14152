"""Console pages of a round's invitations and quotas: issue single-use links for a unit (a
number of them, or one per dossier drawn) as A4 QR cards or a CSV; set hard or soft quotas and
follow the progress from frame to valid responses. app.sampling does the work, as in the API."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.auth.access import StaffViewer
from app.console.forms import Form
from app.console.invitation_forms import (
    MODES,
    TARGETS,
    InvitationChoice,
    quota_rows,
    quota_values,
    read_invitations,
    read_quotas,
)
from app.console.round_pages import RoundChangeDep, RoundView, attempt, round_view, show
from app.console.views import done
from app.deps import SessionDep, SettingsDep, WriteSessionDep
from app.errors import AppError
from app.models import Round
from app.sampling.invitations import (
    ISSUING_STATUSES,
    IssuedBatch,
    invitation_counts,
    issue_invitations,
    uninvited_selections,
)
from app.sampling.progress import round_progress
from app.sampling.quotas import list_quotas, set_quotas
from app.sampling.tokens_api import MAX_PDF, check_pdf, invitations_file
from app.units.service import UnitNode

router = APIRouter(prefix="/console/rounds/{round_code}", include_in_schema=False)


def _units(view: RoundView) -> list[UnitNode]:
    return sorted((view.tree.by_id[u] for u in view.covered), key=lambda n: n.code)


async def _tokens_page(
    request: Request,
    session: AsyncSession,
    view: RoundView,
    form: Form | None = None,
    failure: AppError | None = None,
) -> HTMLResponse:
    counts = await invitation_counts(session, view.round.id)
    pending = await uninvited_selections(session, view.round.id)
    issued = [(view.tree.by_id[u], s, n, answered) for (u, s), (n, answered) in counts.items()]
    context = {
        "unit_options": [(u.code, f"{u.name} ({u.code})") for u in _units(view)],
        "counts": sorted(issued, key=lambda row: (row[0].code, row[1] or "")),
        "pending": {view.tree.by_id[u].code: len(ids) for u, ids in pending.items()},
        "issuing": view.round.status in ISSUING_STATUSES,
        "targets": TARGETS,
        "max_pdf": MAX_PDF,
        "values": {"target": "count", "count": "10"},
    }
    return show(request, "console/round_tokens.html", view, "tokens", context, form, failure)


@router.get("/tokens", response_class=HTMLResponse)
async def tokens_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """Invitations issued and answered per unit, and the form that issues new ones."""
    return await _tokens_page(request, session, await round_view(session, principal, round_code))


async def _issue(
    session: AsyncSession, actor: Actor, round_: Round, choice: InvitationChoice
) -> IssuedBatch:
    if choice.format == "pdf":
        check_pdf(choice.count or len(choice.selection_ids or ()))
    return await issue_invitations(
        session,
        actor,
        round_,
        choice.unit.code,
        stratum=choice.stratum,
        count=choice.count,
        selection_ids=choice.selection_ids,
    )


@router.post("/tokens", response_class=HTMLResponse)
async def tokens_issue(
    request: Request,
    round_code: str,
    changing: RoundChangeDep,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """Issue invitations, answered as a file (A4 QR cards or CSV): the links are shown nowhere
    else, and only their hashes are stored; audited."""
    change, principal = changing
    form = await Form.read(request)
    view = await round_view(session, principal, round_code)
    pending = await uninvited_selections(session, view.round.id)
    choice = read_invitations(form, _units(view), pending)
    failure = None
    if choice is not None:
        batch = await attempt(session, _issue(session, change.actor, view.round, choice))
        if not isinstance(batch, AppError):
            return invitations_file(batch, settings.public_base_url, choice.format, 200)
        failure, view = batch, await round_view(session, principal, round_code)
    return await _tokens_page(request, session, view, form, failure)


async def _quotas_page(
    request: Request,
    session: AsyncSession,
    view: RoundView,
    form: Form | None = None,
    failure: AppError | None = None,
) -> HTMLResponse:
    progress, total = await round_progress(session, view.round, None)
    quotas = await list_quotas(session, view.round.id)
    values = form.values() if form else quota_values(_units(view), quotas, view.tree)
    context = {
        "progress": progress,
        "total": total,
        "values": values,
        "rows": quota_rows(values),
        "unit_codes": [u.code for u in _units(view)],
        "modes": MODES,
    }
    return show(request, "console/round_quotas.html", view, "quotas", context, form, failure)


@router.get("/quotas", response_class=HTMLResponse)
async def quotas_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """Progress per unit and stratum (frame N to valid responses) and the round's quotas."""
    return await _quotas_page(request, session, await round_view(session, principal, round_code))


@router.post("/quotas", response_class=HTMLResponse)
async def quotas_save(
    request: Request, round_code: str, changing: RoundChangeDep, session: WriteSessionDep
) -> Response:
    """Replace the round's quotas with the form's rows (a row without a target sets none)."""
    change, principal = changing
    form = await Form.read(request)
    view = await round_view(session, principal, round_code)
    specs = read_quotas(form, _units(view))
    failure = None
    if specs is not None:
        saved = await attempt(session, set_quotas(session, change.actor, view.round, specs))
        if not isinstance(saved, AppError):
            return done(f"/console/rounds/{quote(round_code)}/quotas", "quotas-saved")
        failure, view = saved, await round_view(session, principal, round_code)
    return await _quotas_page(request, session, view, form, failure)
