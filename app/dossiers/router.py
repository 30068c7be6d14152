"""The dossier feed API: the one-stop system posts events with a feeder key."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic_core import from_json, to_json

from app.audit.service import Actor, record
from app.auth.access import ApiFeeder, ApiReader, StaffAdmin, actor_of, check_csrf
from app.auth.scope import units_in_scope
from app.deps import SessionDep, SettingsDep, WriteSessionDep
from app.dossiers.indicators import By
from app.dossiers.rating import RatingBy, dossier_satisfaction, issue_rating
from app.dossiers.report import as_csv, indicators
from app.dossiers.schemas import (
    BATCH_MAX,
    DossierEventIn,
    DossierSatisfactionOut,
    FeedOut,
    IndicatorsOut,
    RatingCodesIn,
    RatingCodesOut,
    VolumeSourceIn,
    VolumeSourceOut,
)
from app.dossiers.service import FeedContext, store_events
from app.errors import Unprocessable
from app.models import Round
from app.rounds.service import get_round, round_in_scope, round_unit_id
from app.units.service import load_tree

router = APIRouter(prefix="/api/v1", tags=["dossiers"])

EVENT_SCHEMA = DossierEventIn.model_json_schema()
FEED_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        EVENT_SCHEMA,
                        {
                            "type": "object",
                            "properties": {
                                "events": {
                                    "type": "array",
                                    "maxItems": BATCH_MAX,
                                    "items": EVENT_SCHEMA,
                                }
                            },
                            "required": ["events"],
                        },
                    ]
                }
            }
        },
    }
}


async def _events(request: Request) -> list[Any]:
    """The events of the body: one event object, {"events": [...]} or a bare array."""
    try:
        body = from_json(await request.body())  # pydantic-core's parser: a big batch, fast
    except ValueError:
        raise Unprocessable("the body is not JSON", code="not_json") from None
    items = body.get("events", [body]) if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise Unprocessable("events must be an array", code="not_a_batch")
    if len(items) > BATCH_MAX:
        raise Unprocessable(f"at most {BATCH_MAX} events per request", code="batch_too_large")
    return items


@router.post("/dossiers", response_model=FeedOut, openapi_extra=FEED_BODY)
async def post_dossiers(
    request: Request, principal: ApiFeeder, session: WriteSessionDep, settings: SettingsDep
) -> Response:
    """Feed dossier events (one or a batch): each stored once per (number, type), or refused
    on its own with a stable error code; the answer lists every event's outcome."""
    items = await _events(request)
    tree = await load_tree(session)
    ctx = FeedContext(principal, tree, settings.today(), ZoneInfo(settings.timezone))
    stored = await store_events(session, items, ctx)
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake("dossiers.fold")  # count them into the indicators, in the background
    # A FeedOut built from checked parts, as plain data: serialised once, not validated again.
    return Response(to_json(stored), media_type="application/json")


async def _period(
    session: SessionDep,
    round: str | None = Query(None, description="A round's code: its period"),
    from_: date | None = Query(None, alias="from", description="First day (with to)"),
    to: date | None = Query(None, description="Last day (with from)"),
) -> tuple[date, date]:
    if round is not None:
        round_ = await get_round(session, round)
        return round_.starts_on, round_.ends_on
    if from_ is None or to is None:
        raise Unprocessable("give a round, or from and to", code="period_missing")
    if from_ > to:
        raise Unprocessable("from is after to", code="period_reversed")
    return from_, to


@router.get("/dossiers/indicators", response_model=IndicatorsOut)
async def get_indicators(
    session: SessionDep,
    principal: ApiReader,
    period: Annotated[tuple[date, date], Depends(_period)],
    unit: str | None = Query(None, description="A unit's subtree; default: your whole scope"),
    by: By = Query("none", description="Breakdown: none, procedure, field or channel"),
) -> IndicatorsOut:
    """Transactions, early / on-time / late and online shares from the dossier feed, per unit
    (and procedure, field or channel) for a period; definitions in docs/dossiers.md."""
    tree = await load_tree(session)
    return await indicators(session, tree, units_in_scope(principal, tree, unit), period, by)


@router.get("/dossiers/indicators.csv", response_class=Response)
async def get_indicators_csv(
    session: SessionDep,
    principal: ApiReader,
    period: Annotated[tuple[date, date], Depends(_period)],
    unit: str | None = Query(None, description="A unit's subtree; default: your whole scope"),
    by: By = Query("none", description="Breakdown: none, procedure, field or channel"),
) -> Response:
    """The indicators as CSV (the same rows and total; definitions as '# ' lines)."""
    tree = await load_tree(session)
    report = await indicators(session, tree, units_in_scope(principal, tree, unit), period, by)
    name = f"dossier-indicators-{period[0]}-{period[1]}.csv"
    return Response(
        as_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


async def _admin_round(
    round_code: str, request: Request, session: WriteSessionDep, principal: StaffAdmin
) -> tuple[Round, Actor]:
    """Checked before the body is read, so that a refusal is a refusal whatever was sent."""
    await check_csrf(request, principal)
    round_ = await round_in_scope(session, principal, round_code, "admin")
    return round_, actor_of(request, principal)


@router.put("/rounds/{round_code}/volume-source", response_model=VolumeSourceOut)
async def put_volume_source(
    request: Request,
    body: VolumeSourceIn,
    session: WriteSessionDep,
    admin: Annotated[tuple[Round, Actor], Depends(_admin_round)],
) -> VolumeSourceOut:
    """Fix the round's volumes as given, or let them follow the dossier feed (audited; the
    background worker brings them in line within its period, app/dossiers/tasks.py)."""
    round_, actor = admin
    if round_.volumes_fixed != body.fixed:
        round_.volumes_fixed = body.fixed
        unit_id = await round_unit_id(session, round_)
        changes = {"volumes_fixed": body.fixed}
        await record(session, actor, "round.volume_source", "round", round_.code, unit_id, changes)
    worker = getattr(request.app.state, "worker", None)
    if worker is not None and not body.fixed:
        worker.wake("dossiers.volumes")  # after this request commits, in the background
    return VolumeSourceOut(round=round_.code, fixed=round_.volumes_fixed)


@router.post("/dossiers/rating-codes", response_model=RatingCodesOut)
async def post_rating_codes(
    body: RatingCodesIn, principal: ApiFeeder, session: WriteSessionDep, settings: SettingsDep
) -> RatingCodesOut:
    """Single-use rating codes and links of returned dossiers (the same code if asked again),
    for the round open at each dossier's unit; per-number refusals with stable codes."""
    tree, today = await load_tree(session), settings.today()
    codes = [
        await issue_rating(
            session,
            principal,
            tree,
            number.strip(),
            settings.secret_key,
            settings.public_base_url,
            today,
        )
        for number in body.numbers
    ]
    return RatingCodesOut(codes=codes)


@router.get("/rounds/{round_code}/dossier-satisfaction", response_model=DossierSatisfactionOut)
async def get_dossier_satisfaction(
    round_code: str,
    session: SessionDep,
    principal: ApiReader,
    unit: str | None = Query(None, description="A unit's subtree; default: your whole scope"),
    by: RatingBy = Query("timeliness", description="procedure, field, channel or timeliness"),
) -> DossierSatisfactionOut:
    """Satisfaction of responses given through a dossier's own rating code, by the dossier's
    procedure, field, channel or timeliness (early / on time / late / no due day), from the
    figures the background worker keeps (``as_of``)."""
    round_, tree = await get_round(session, round_code), await load_tree(session)
    scope = units_in_scope(principal, tree, unit)
    return await dossier_satisfaction(session, round_, scope, by)
