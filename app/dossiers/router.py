"""The dossier feed API: the one-stop system posts events with a feeder key."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request

from app.auth.access import ApiFeeder
from app.deps import SettingsDep, WriteSessionDep
from app.dossiers.schemas import BATCH_MAX, DossierEventIn, FeedOut
from app.dossiers.service import FeedContext, store_events
from app.errors import Unprocessable
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
        body = await request.json()
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
) -> FeedOut:
    """Feed dossier events (one or a batch): each stored once per (number, type), or refused
    on its own with a stable error code; the answer lists every event's outcome."""
    items = await _events(request)
    tree = await load_tree(session)
    ctx = FeedContext(principal, tree, settings.today(), ZoneInfo(settings.timezone))
    return await store_events(session, items, ctx)
