"""Console pages of a round's invitations and quotas: issue single-use links for a unit (a
number of them, or one per dossier drawn) as A4 QR cards or a CSV; set hard or soft quotas and
follow the progress from frame to valid responses. app.sampling does the work, as in the API."""

from __future__ import annotations

from typing import Any
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
from app.console.round_pages import RoundChangeDep, RoundView, Step
from app.console.views import done
from app.deps import SessionDep, SettingsDep, WriteSessionDep
from app.models import Round
from app.sampling.invitations import (
    ISSUING_STATUSES,
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


async def _tokens_context(session: AsyncSession, view: RoundView) -> dict[str, Any]:
    counts = await invitation_counts(session, view.round.id)
    pending = await uninvited_selections(session, view.round.id)
    issued = [(view.tree.by_id[u], s, n, answered) for (u, s), (n, answered) in counts.items()]
    return {
        "unit_options": [(u.code, f"{u.name} ({u.code})") for u in _units(view)],
        "counts": sorted(issued, key=lambda row: (row[0].code, row[1] or "")),
        "pending": {view.tree.by_id[u].code: len(ids) for u, ids in pending.items()},
        "issuing": view.round.status in ISSUING_STATUSES,
        "targets": TARGETS,
        "max_pdf": MAX_PDF,
        "values": {"target": "count", "count": "10"},
    }


async def _quotas_context(session: AsyncSession, view: RoundView) -> dict[str, Any]:
    progress, total = await round_progress(session, view.round, None)
    quotas = await list_quotas(session, view.round.id)
    return {
        "progress": progress,
        "total": total,
        "values": quota_values(_units(view), quotas, view.tree),
        "quota_rows": quota_rows,  # the rows of the values shown (stored, or as sent)
        "unit_codes": [u.code for u in _units(view)],
        "modes": MODES,
    }


TOKENS = Step("console/round_tokens.html", "tokens", _tokens_context)
QUOTAS = Step("console/round_quotas.html", "quotas", _quotas_context)


@router.get("/tokens", response_class=HTMLResponse)
async def tokens_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """Invitations issued and answered per unit, and the form that issues new ones."""
    return await TOKENS.page(request, session, principal, round_code)


async def _issue(
    session: AsyncSession, actor: Actor, round_: Round, choice: InvitationChoice, base_url: str
) -> Response:
    """Issue the invitations chosen and answer them as the file asked for."""
    if choice.format == "pdf":
        check_pdf(choice.count or len(choice.selection_ids or ()))
    batch = await issue_invitations(
        session,
        actor,
        round_,
        choice.unit.code,
        stratum=choice.stratum,
        count=choice.count,
        selection_ids=choice.selection_ids,
    )
    return invitations_file(batch, base_url, choice.format, 200)


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
    form, round_ = await Form.read(request), change.scope.round
    pending = await uninvited_selections(session, round_.id)
    units = [change.scope.tree.by_id[u] for u in sorted(change.scope.covered)]
    choice = read_invitations(form, units, pending)
    base = settings.public_base_url
    call = _issue(session, change.actor, round_, choice, base) if choice else None
    return await TOKENS.submit(
        request, session, principal, round_code, form, call, lambda file: file
    )


@router.get("/quotas", response_class=HTMLResponse)
async def quotas_page(
    request: Request, round_code: str, principal: StaffViewer, session: SessionDep
) -> HTMLResponse:
    """Progress per unit and stratum (frame N to valid responses) and the round's quotas."""
    return await QUOTAS.page(request, session, principal, round_code)


@router.post("/quotas", response_class=HTMLResponse)
async def quotas_save(
    request: Request, round_code: str, changing: RoundChangeDep, session: WriteSessionDep
) -> Response:
    """Replace the round's quotas with the form's rows (a row without a target sets none)."""
    change, principal = changing
    form, scope = await Form.read(request), change.scope
    specs = read_quotas(form, [scope.tree.by_id[u] for u in sorted(scope.covered)])
    call = set_quotas(session, change.actor, scope.round, specs) if specs is not None else None
    url = f"/console/rounds/{quote(round_code)}/quotas"
    return await QUOTAS.submit(
        request, session, principal, round_code, form, call, lambda _: done(url, "quotas-saved")
    )
