"""Storing fed dossier events: each event checked on its own, stored once per (number, type).

A batch is answered event by event: a rejected event (stable error code) stores nothing of
itself and stops none of the others; an event already stored — by an earlier post, a
concurrent one, or earlier in the same batch — is a ``duplicate`` and changes nothing. The
store is one INSERT ... ON CONFLICT DO NOTHING RETURNING on both backends, so twenty
identical posts racing each other store one row and each learns truthfully what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.db import dialect_insert
from app.dossiers.schemas import DossierEventIn, EventError, EventResult, FeedOut
from app.models import DossierEvent
from app.models.base import utcnow
from app.units.service import UnitTree

EVENT = TypeAdapter(DossierEventIn)
# Pydantic's error types -> the feed's stable codes (custom checks keep their own names).
PYDANTIC_CODES = {"missing": "missing_field", "extra_forbidden": "unexpected_field"}
OWN_CODES = {"date_missing", "dates_out_of_order", "date_in_future"}


@dataclass(frozen=True)
class FeedContext:
    principal: Principal
    tree: UnitTree
    today: date
    zone: ZoneInfo
    _feeds: dict[int, bool] = field(default_factory=dict)  # unit id -> in scope (memo)

    def feeds(self, unit_id: int) -> bool:
        if unit_id not in self._feeds:
            self._feeds[unit_id] = self.principal.feeds(unit_id, self.tree)
        return self._feeds[unit_id]


def _error(exc: ValidationError) -> EventError:
    """The first problem of an event, as a stable code, the field it concerns and a message."""
    first = exc.errors(include_url=False)[0]
    kind = str(first["type"])
    code = kind if kind in OWN_CODES else PYDANTIC_CODES.get(kind, "invalid_value")
    loc = [str(part) for part in first.get("loc", ())]
    field = loc[0] if loc else first.get("ctx", {}).get("field")
    if code == "unexpected_field":
        message = "unknown field refused (the feed takes no personal data)"
    else:
        message = str(first["msg"])
    return EventError(code=code, field=str(field) if field else None, message=message)


def check_event(index: int, raw: Any, ctx: FeedContext) -> tuple[EventResult, dict[str, Any]]:
    """An event's result if refused, else its row (the result then says 'stored' until the
    database says otherwise)."""
    number = raw.get("number") if isinstance(raw, dict) else None
    kind = raw.get("type") if isinstance(raw, dict) else None
    result = EventResult(
        index=index,
        number=number if isinstance(number, str) else None,
        type=kind if isinstance(kind, str) else None,
        status="stored",
    )
    if not isinstance(raw, dict):
        result.status = "rejected"
        result.error = EventError(code="not_an_object", message="an event is a JSON object")
        return result, {}
    try:
        event = EVENT.validate_python(raw, context={"today": ctx.today, "zone": ctx.zone})
    except ValidationError as exc:
        result.status, result.error = "rejected", _error(exc)
        return result, {}
    result.number, result.type = event.number, event.type
    node = ctx.tree.by_code.get(event.unit)
    problem = None
    if node is None:
        problem = EventError(code="unknown_unit", field="unit", message="no unit with this code")
    elif not ctx.feeds(node.id):  # unnamed: another's unit stays secret
        problem = EventError(code="out_of_scope", field="unit", message="outside your key's units")
    if problem is not None or node is None:
        result.status, result.error = "rejected", problem
        return result, {}
    row = event.model_dump(exclude={"unit", "type"})
    row.update(kind=event.type, unit_id=node.id, api_key_id=ctx.principal.id)
    return result, row


async def store_events(session: AsyncSession, items: list[Any], ctx: FeedContext) -> FeedOut:
    """Check every event, store the new ones, and say for each what happened."""
    results: list[EventResult] = []
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for index, raw in enumerate(items):
        result, row = check_event(index, raw, ctx)
        results.append(result)
        if row:
            rows.setdefault((row["number"], row["kind"]), row)
    inserted = await _insert(session, list(rows.values()))
    for result in results:
        if result.status == "stored":
            key = (result.number or "", result.type or "")
            if key in inserted:
                inserted.discard(key)  # the first of equal events in a batch is the stored one
            else:
                result.status = "duplicate"
    counts = {s: sum(r.status == s for r in results) for s in ("stored", "duplicate", "rejected")}
    return FeedOut(
        stored=counts["stored"],
        duplicates=counts["duplicate"],
        rejected=counts["rejected"],
        results=results,
    )


async def _insert(session: AsyncSession, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Insert rows, skipping those whose (number, kind) exists; the keys actually inserted."""
    if not rows:
        return set()
    now = utcnow()
    for row in rows:
        row["stored_at"] = now
    table = DossierEvent.__table__
    statement = (
        dialect_insert(session, table)
        .on_conflict_do_nothing(index_elements=["number", "kind"])
        .returning(table.c.number, table.c.kind)
    )
    result = await session.execute(statement, rows)
    return {(number, kind) for number, kind in result.all()}
