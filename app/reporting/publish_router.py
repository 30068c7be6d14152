"""Round settings that reports compare with (bands, targets), and freezing the figures."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.auth.access import ApiReader, actor_of
from app.deps import CatalogueDep, SessionDep, WriteSessionDep
from app.errors import Forbidden
from app.reporting.comparison_schemas import BandOut
from app.reporting.publish_schemas import (
    BandsIn,
    FreezeIn,
    FreezeOut,
    RevisionOut,
    TargetIn,
    TargetsIn,
)
from app.reporting.snapshots import freeze_round, list_revisions
from app.reporting.targets import set_bands, set_targets
from app.rounds.deps import RoundAdmin
from app.rounds.service import covered_unit_ids, get_round
from app.statistics.comparisons import Band
from app.units.service import load_tree

router = APIRouter(prefix="/api/v1", tags=["publishing"])


@router.put("/rounds/{round_code}/bands", response_model=list[BandOut])
async def put_bands(
    request: Request, body: BandsIn, session: WriteSessionDep, target: RoundAdmin
) -> list[BandOut]:
    """Set the round's score bands (best first); reports show each index's band."""
    bands = [Band(b.label, b.min) for b in body.bands or ()]
    actor = actor_of(request, target.principal)
    stored = await set_bands(session, actor, target.round, bands)
    return [BandOut(label=b.label, min=b.min) for b in stored]


@router.put("/rounds/{round_code}/targets", response_model=list[TargetIn])
async def put_targets(
    request: Request,
    body: TargetsIn,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
    target: RoundAdmin,
) -> list[TargetIn]:
    """Set or remove units' targets for the round; returns every target of the round."""
    actor = actor_of(request, target.principal)
    pairs = [(t.unit, t.value) for t in body.targets]
    stored = await set_targets(session, actor, catalogue, target.round, pairs, target.principal)
    return [TargetIn(unit=code, value=value) for code, value in sorted(stored.items())]


@router.post("/rounds/{round_code}/freeze", response_model=FreezeOut)
async def post_freeze(
    request: Request,
    session: WriteSessionDep,
    catalogue: CatalogueDep,
    target: RoundAdmin,
    body: FreezeIn | None = None,
) -> FreezeOut:
    """Publish the round's figures as a new revision (unchanged figures: the latest one)."""
    actor = actor_of(request, target.principal)
    note = body.note if body else ""
    settings = request.app.state.settings
    snapshot, created = await freeze_round(session, catalogue, actor, target.round, note, settings)
    units = {s.revision: n for s, n in await list_revisions(session, target.round)}
    return FreezeOut(
        revision=snapshot.revision,
        content_hash=snapshot.content_hash,
        frozen_at=snapshot.created_at,
        created_by=snapshot.created_by,
        note=snapshot.note,
        units=units[snapshot.revision],
        created=created,
    )


@router.get("/rounds/{round_code}/revisions", response_model=list[RevisionOut])
async def get_revisions(
    round_code: str, session: SessionDep, principal: ApiReader
) -> list[RevisionOut]:
    """The round's published revisions, newest first (reports serve the newest)."""
    round_ = await get_round(session, round_code)
    tree = await load_tree(session)
    covered = await covered_unit_ids(session, round_.id)
    if not any(principal.can("viewer", unit_id, tree) for unit_id in covered):
        raise Forbidden(f"round {round_code} covers no unit in your scope")
    return [
        RevisionOut(
            revision=s.revision,
            content_hash=s.content_hash,
            frozen_at=s.created_at,
            created_by=s.created_by,
            note=s.note,
            units=n,
        )
        for s, n in await list_revisions(session, round_)
    ]
