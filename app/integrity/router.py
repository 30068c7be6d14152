"""Integrity API: the round's policy, its integrity report, held responses and their review,
kiosks, and receipt codes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Request

from app.auth.access import ApiReader, StaffAdminWrite, StaffManagerWrite, actor_of
from app.deps import SessionDep, SettingsDep, WriteSessionDep
from app.errors import Forbidden
from app.integrity import service
from app.integrity.kiosks import register_kiosk, revoke_kiosk
from app.integrity.policy import IntegrityPolicy
from app.integrity.review import decide
from app.integrity.schemas import (
    HeldPage,
    IntegrityReport,
    KioskIn,
    KioskOut,
    ReceiptKey,
    ReceiptOut,
    ReceiptsIn,
    ReviewIn,
    ReviewOut,
)
from app.payload import RowId
from app.rounds.deps import RoundAdmin, RoundManager
from app.rounds.service import get_round, round_in_scope
from app.units.service import load_tree

router = APIRouter(prefix="/api/v1", tags=["integrity"])


@router.get("/rounds/{round_code}/integrity", response_model=IntegrityReport)
async def get_integrity(
    round_code: str,
    session: SessionDep,
    principal: ApiReader,
    unit: str | None = Query(None, max_length=64, description="a unit code: its subtree"),
) -> IntegrityReport:
    """Per unit: responses by channel, flags by rule, held/accepted/rejected, the index with
    and without held responses, and the evidence; most suspicious first (as of ``as_of``)."""
    round_ = await get_round(session, round_code)
    tree = await load_tree(session)
    visible = principal.visible_units("viewer", tree)
    if unit is not None:
        node = tree.get(unit)
        if not principal.can("viewer", node.id, tree):
            raise Forbidden("unit outside your scope")
        visible = (
            tree.subtree_ids(node.id) & visible
            if visible is not None
            else tree.subtree_ids(node.id)
        )
    return await service.report_for(session, round_, tree, visible)


@router.get("/rounds/{round_code}/integrity/policy", response_model=IntegrityPolicy)
async def get_policy(round_code: str, session: SessionDep, principal: ApiReader) -> IntegrityPolicy:
    """The round's collection limits and detection rules (the defaults where not set)."""
    round_ = await round_in_scope(session, principal, round_code, "viewer")
    return service.policy_for(round_)


@router.put("/rounds/{round_code}/integrity/policy", response_model=IntegrityPolicy)
async def put_policy(
    request: Request,
    write: RoundAdmin,
    session: WriteSessionDep,
    body: dict[str, Any] = Body(description="IntegrityPolicy fields; omitted: the defaults"),
) -> IntegrityPolicy:
    """Replace the round's policy (admin of all its units); audited with before and after."""
    actor = actor_of(request, write.principal)
    return await service.set_policy(session, actor, write.round, body)


@router.get("/rounds/{round_code}/held", response_model=HeldPage)
async def get_held(
    round_code: str,
    session: SessionDep,
    principal: ApiReader,
    unit: str | None = Query(None, max_length=64),
    before: int | None = Query(None, ge=1, le=2**63 - 1),
    limit: int = Query(100, ge=1, le=1000),
) -> HeldPage:
    """Responses held for review in your scope, newest first, with the rules that fired."""
    round_ = await get_round(session, round_code)
    return await service.held_page(session, principal, round_, unit, before, limit)


@router.post("/responses/review", response_model=ReviewOut)
async def review_responses(
    request: Request, body: ReviewIn, session: WriteSessionDep, principal: StaffManagerWrite
) -> ReviewOut:
    """Accept or reject held responses (managers of the units who are not their own staff;
    all or none; reason required; audited). CSRF token."""
    actor = actor_of(request, principal)
    ids = await decide(session, actor, principal, body.ids, body.decision, body.reason)
    return ReviewOut(decided=ids, status="valid" if body.decision == "accept" else "excluded")


@router.post("/kiosks", response_model=KioskOut, status_code=201)
async def post_kiosk(
    request: Request,
    body: KioskIn,
    session: WriteSessionDep,
    settings: SettingsDep,
    principal: StaffAdminWrite,
) -> KioskOut:
    """Register a desk tablet at a counter (by staff of another unit or the province); the
    activation link is shown once. CSRF token; audited."""
    made = await register_kiosk(
        session, actor_of(request, principal), principal, body.unit, body.name
    )
    url = f"{settings.public_base_url.rstrip('/')}/k/{made.key}"
    return KioskOut(id=made.kiosk.id, unit=body.unit, name=made.kiosk.name, activation_url=url)


@router.post("/kiosks/{kiosk_id}/revoke", response_model=KioskOut)
async def post_kiosk_revoke(
    request: Request,
    kiosk_id: RowId,
    session: WriteSessionDep,
    principal: StaffAdminWrite,
) -> KioskOut:
    """Revoke a kiosk: its responses count as an ordinary device's from now on; audited."""
    kiosk = await revoke_kiosk(session, actor_of(request, principal), principal, kiosk_id)
    tree = await load_tree(session)
    code = tree.by_id[kiosk.unit_id].code
    return KioskOut(id=kiosk.id, unit=code, name=kiosk.name, activation_url=None, revoked=True)


@router.post("/rounds/{round_code}/receipts", response_model=list[ReceiptOut])
async def post_receipts(
    request: Request,
    body: ReceiptsIn,
    write: RoundManager,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> list[ReceiptOut]:
    """Receipt codes for dossiers at a unit (what the one-stop software can make itself with
    the round's key, docs/integrity.md); audited (counts, not dossier numbers)."""
    actor = actor_of(request, write.principal)
    return await service.issue_receipts(
        session, actor, settings, write.round, body.unit, body.dossiers
    )


@router.post("/rounds/{round_code}/receipts/key", response_model=ReceiptKey)
async def get_receipt_key(
    request: Request, write: RoundAdmin, session: WriteSessionDep, settings: SettingsDep
) -> ReceiptKey:
    """The round's receipt-signing key, for the one-stop software's vendor (admins; audited)."""
    actor = actor_of(request, write.principal)
    return await service.receipt_key(session, actor, settings, write.round)
