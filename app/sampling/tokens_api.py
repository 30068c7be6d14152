"""API of a round's invitations, quotas and response-rate progress."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from app.auth.access import ApiReader, StaffAdmin, actor_of, check_csrf
from app.deps import SessionDep, SettingsDep, WriteSessionDep
from app.errors import AppError, Forbidden
from app.models import Quota, Round
from app.rounds.service import get_round, round_in_scope
from app.sampling.invitations import IssuedBatch, invitation_counts, issue_invitations, token_url
from app.sampling.progress import StratumRow, round_progress
from app.sampling.quotas import QuotaSpec, list_quotas, set_quotas
from app.sampling.sheets import font_path, invitations_csv, invitations_pdf
from app.sampling.token_schemas import (
    InvitationBatch,
    InvitationCount,
    InvitationOut,
    InvitationRequest,
    QuotaOut,
    QuotaSet,
    RoundProgress,
    StratumProgress,
)
from app.units.service import UnitTree, load_tree

router = APIRouter(prefix="/api/v1/rounds/{round_code}", tags=["sampling"])
NO_STORE = {"Cache-Control": "no-store"}
MAX_PDF = 2_000  # cards per PDF: about 6 s of drawing per 1,000 on one core


async def _admin_round(
    request: Request, round_code: str, session: WriteSessionDep, principal: StaffAdmin
) -> Round:
    """The round, for an admin of all its units, on a request carrying the CSRF token.

    A dependency, so that scope is refused (403) before the body is validated (422).
    """
    await check_csrf(request, principal)
    return await round_in_scope(session, principal, round_code, "admin")


async def _readable_round(round_code: str, session: SessionDep, principal: ApiReader) -> Round:
    return await round_in_scope(session, principal, round_code, "viewer")


AdminRound = Annotated[Round, Depends(_admin_round)]
ReadableRound = Annotated[Round, Depends(_readable_round)]


def _batch_json(batch: IssuedBatch, base_url: str) -> InvitationBatch:
    return InvitationBatch(
        round=batch.round.code,
        unit=batch.unit.code,
        stratum=batch.stratum,
        count=len(batch.invitations),
        invitations=[
            InvitationOut(id=i.id, selection_id=i.selection_id, url=token_url(base_url, i.token))
            for i in batch.invitations
        ],
    )


async def _pdf_after_commit(batch: IssuedBatch, base_url: str) -> AsyncIterator[bytes]:
    # Drawn while the response is sent, i.e. after the commit, so the write transaction
    # (SQLite's write lock) is not held for seconds; in a thread, off the event loop.
    yield await anyio.to_thread.run_sync(invitations_pdf, batch, base_url)


def check_pdf(count: int) -> None:
    """Refuse before issuing anything when no PDF can be made of ``count`` invitations."""
    font_path()
    if count > MAX_PDF:
        raise AppError(f"a PDF holds at most {MAX_PDF} invitations; use several calls")


def invitations_file(
    batch: IssuedBatch, base_url: str, ext: Literal["csv", "pdf"], status_code: int
) -> Response:
    """The issued links as a download (never stored): a CSV, or A4 QR cards in a PDF."""
    name = f"invitations-{batch.round.code}-{batch.unit.code}.{ext}"
    headers = NO_STORE | {"Content-Disposition": f'attachment; filename="{name}"'}
    if ext == "csv":
        csv = invitations_csv(batch, base_url)
        return Response(csv, status_code, headers, "text/csv; charset=utf-8")
    pdf = _pdf_after_commit(batch, base_url)
    return StreamingResponse(pdf, status_code, headers, "application/pdf")


@router.post("/invitations", status_code=201, response_model=InvitationBatch)
async def post_invitations(
    request: Request,
    response: Response,
    body: InvitationRequest,
    round_: AdminRound,
    principal: StaffAdmin,
    session: WriteSessionDep,
    settings: SettingsDep,
    format: Literal["json", "csv", "pdf"] = "json",
) -> Response | InvitationBatch:
    """Issue single-use invitation links, shown only in this answer (JSON, CSV or A4 PDF)."""
    if format == "pdf":
        check_pdf(body.count or len(body.selection_ids or ()))
    actor = actor_of(request, principal)
    batch = await issue_invitations(
        session,
        actor,
        round_,
        body.unit,
        stratum=body.stratum,
        count=body.count,
        selection_ids=body.selection_ids,
    )
    if format != "json":
        return invitations_file(batch, settings.public_base_url, format, 201)
    response.headers.update(NO_STORE)
    return _batch_json(batch, settings.public_base_url)


@router.get("/invitations", response_model=list[InvitationCount])
async def get_invitations(round_: ReadableRound, session: SessionDep) -> list[InvitationCount]:
    """Invitations issued and answered per unit and stratum (counts only, never links)."""
    tree = await load_tree(session)
    counts = await invitation_counts(session, round_.id)
    return [
        InvitationCount(
            unit=tree.by_id[unit_id].code, stratum=stratum, issued=issued, redeemed=redeemed
        )
        for (unit_id, stratum), (issued, redeemed) in sorted(
            counts.items(), key=lambda item: (tree.by_id[item[0][0]].code, item[0][1] or "")
        )
    ]


def _quota_out(tree: UnitTree, quota: Quota) -> QuotaOut:
    return QuotaOut(
        unit=tree.by_id[quota.unit_id].code,
        stratum=quota.stratum or None,
        target=quota.target,
        mode=quota.mode,
        exclude_over=quota.exclude_over,
        filled=quota.filled,
    )


@router.get("/quotas", response_model=list[QuotaOut])
async def get_quotas(round_: ReadableRound, session: SessionDep) -> list[QuotaOut]:
    """The round's quotas with how far each is filled."""
    tree = await load_tree(session)
    return [_quota_out(tree, q) for q in await list_quotas(session, round_.id)]


@router.put("/quotas", response_model=list[QuotaOut])
async def put_quotas(
    request: Request,
    body: QuotaSet,
    round_: AdminRound,
    principal: StaffAdmin,
    session: WriteSessionDep,
) -> list[QuotaOut]:
    """Replace the round's quotas (targets per unit or stratum; hard or soft); audited."""
    specs = [QuotaSpec(q.unit, q.stratum, q.target, q.mode, q.exclude_over) for q in body.quotas]
    quotas = await set_quotas(session, actor_of(request, principal), round_, specs)
    tree = await load_tree(session)
    return [_quota_out(tree, q) for q in quotas]


def _progress_out(row: StratumRow) -> StratumProgress:
    quota = row.quota
    return StratumProgress(
        unit=row.code,
        name=row.name,
        stratum=row.stratum,
        frame_n=row.frame_n,
        **vars(row.tally),
        quota_target=quota.target if quota else None,
        quota_filled=quota.filled if quota else None,
        quota_mode=quota.mode if quota else None,
        response_rate=row.response_rate,
    )


@router.get("/progress", response_model=RoundProgress)
async def get_progress(round_code: str, session: SessionDep, principal: ApiReader) -> RoundProgress:
    """Live response-rate accounting per unit and stratum, for the units in your scope."""
    round_ = await get_round(session, round_code)
    tree = await load_tree(session)
    visible = principal.visible_units("viewer", tree)
    rows, total = await round_progress(session, round_, visible)
    if not rows and visible is not None:
        raise Forbidden(f"round {round_code} covers no unit in your scope")
    return RoundProgress(
        round=round_.code, strata=[_progress_out(r) for r in rows], total=_progress_out(total)
    )
