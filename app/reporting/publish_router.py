"""Round settings that reports compare with (bands, targets), and freezing the figures."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.auth.access import ApiReader, actor_of
from app.deps import CatalogueDep, SessionDep, WriteSessionDep
from app.errors import Forbidden
from app.models.base import as_utc
from app.reporting.comparison_schemas import BandOut
from app.reporting.jobs import request_freeze
from app.reporting.jobs_router import JobOut, JobsDep, job_response
from app.reporting.publish_schemas import (
    BandsIn,
    FreezeIn,
    RevisionOut,
    TargetIn,
    TargetsIn,
)
from app.reporting.snapshots import list_revisions
from app.reporting.targets import set_bands, set_targets
from app.rounds.deps import RoundAdmin, RoundAdminEnqueue
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


@router.post(
    "/rounds/{round_code}/freeze",
    response_model=JobOut,
    status_code=202,
    responses={200: {"model": JobOut, "description": "The job, finished (run in the request)"}},
)
async def post_freeze(
    request: Request, target: RoundAdminEnqueue, jobs: JobsDep, body: FreezeIn | None = None
) -> JSONResponse:
    """Freeze the round's figures as a new revision, in the background: 202 with the job's
    status URL (``Location``); asking again while it runs returns the same job. When done,
    its ``result`` holds the revision (unchanged figures: the latest one, ``created`` false).
    ``provisional``: figures of a round still open, labelled provisional (tạm tính)."""
    actor = actor_of(request, target.principal)
    body = body or FreezeIn()
    job = await request_freeze(jobs, target.round, actor, body.note, body.provisional)
    return job_response(job, target.round.code)


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
            frozen_at=as_utc(s.created_at),
            created_by=s.created_by,
            note=s.note,
            provisional=s.provisional,
            units=n,
        )
        for s, n in await list_revisions(session, round_)
    ]
