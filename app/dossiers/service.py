"""Storing fed dossier events: each event judged on its own, stored once per (number, type).

A batch is answered event by event: a rejected event (stable error code) stores nothing of
itself and stops none of the others; an event already stored — by an earlier post, a
concurrent one, or earlier in the same batch — is a ``duplicate`` and changes nothing.

The work is set-wise, not per event: the whole batch is validated in one Pydantic pass (a
second pass over the good items only when some fail), units are looked up in the unit tree
already loaded (one query per request), and the store is one INSERT ... ON CONFLICT DO
NOTHING RETURNING — on PostgreSQL over one array per column (``unnest``), on SQLite a
multi-row insert — so twenty identical posts racing each other store one row and each
learns truthfully what happened. Nothing derived is computed here: the indicators are
counted by the background worker (``dossiers.fold``, app/dossiers/tally.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.db import dialect_insert
from app.dossiers.schemas import DossierEventIn
from app.models import DossierEvent
from app.models.base import utcnow
from app.units.service import UnitTree

EVENTS = TypeAdapter(list[DossierEventIn])
# Pydantic's error types -> the feed's stable codes (custom checks keep their own names).
PYDANTIC_CODES = {"missing": "missing_field", "extra_forbidden": "unexpected_field"}
OWN_CODES = {"date_missing", "dates_out_of_order", "date_in_future"}
# An ``EventError`` each, as the answer gives it.
NOT_AN_OBJECT = {"code": "not_an_object", "field": None, "message": "an event is a JSON object"}
UNKNOWN_UNIT = {"code": "unknown_unit", "field": "unit", "message": "no unit with this code"}
OUT_OF_SCOPE = {"code": "out_of_scope", "field": "unit", "message": "outside your key's units"}
# The stored columns an event gives as it is (``type`` is stored as ``kind``, ``unit`` as
# its id).
ROW_FIELDS = tuple(f for f in DossierEventIn.model_fields if f not in ("unit", "type"))


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


def _error(first: Any) -> dict[str, Any]:
    """The first problem of an event (one of Pydantic's error dicts, its location relative
    to the event), as a stable code, the field it concerns and a message."""
    kind = str(first["type"])
    code = kind if kind in OWN_CODES else PYDANTIC_CODES.get(kind, "invalid_value")
    loc = [str(part) for part in first.get("loc", ())]
    field = loc[0] if loc else first.get("ctx", {}).get("field")
    if code == "unexpected_field":
        message = "unknown field refused (the feed takes no personal data)"
    else:
        message = str(first["msg"])
    return {"code": code, "field": str(field) if field else None, "message": message}


def _validate(objects: list[dict[str, Any]], ctx: FeedContext) -> list[Any]:
    """Each object as a ``DossierEventIn``, or its first problem (an error dict) — the whole
    batch in one validation pass. A pass with errors names the failing items (Pydantic checks
    every item of a list); the others then pass a second time, all together."""
    context = {"today": ctx.today, "zone": ctx.zone}
    try:
        return list(EVENTS.validate_python(objects, context=context))
    except ValidationError as exc:
        firsts: dict[int, Any] = {}
        for error in exc.errors(include_url=False):
            index, *rest = error["loc"]
            firsts.setdefault(int(index), {**error, "loc": tuple(rest)})
    good = [i for i in range(len(objects)) if i not in firsts]
    out: list[Any] = list(firsts.get(i) for i in range(len(objects)))
    valid = EVENTS.validate_python([objects[i] for i in good], context=context)
    for i, event in zip(good, valid, strict=True):
        out[i] = event
    return out


def check_events(
    items: list[Any], ctx: FeedContext
) -> tuple[list[dict[str, Any]], dict[tuple[str, str], dict[str, Any]]]:
    """Every event's result, an ``EventResult`` as a plain dict (``stored`` until the database
    says otherwise, or ``rejected`` with its error), and the rows to insert, one per (number,
    type) — the first of equal events in a batch is the one stored."""
    objects = [raw for raw in items if isinstance(raw, dict)]
    checked = iter(_validate(objects, ctx))
    results: list[dict[str, Any]] = []
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    key_id = ctx.principal.id
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            results.append(_result(index, None, None, NOT_AN_OBJECT))
            continue
        event = next(checked)
        if not isinstance(event, DossierEventIn):
            number, kind = raw.get("number"), raw.get("type")
            number = number if isinstance(number, str) else None
            results.append(_result(index, number, kind, _error(event)))
            continue
        node = ctx.tree.by_code.get(event.unit)
        if node is None:
            results.append(_result(index, event.number, event.type, UNKNOWN_UNIT))
            continue
        if not ctx.feeds(node.id):  # unnamed: another's unit stays secret
            results.append(_result(index, event.number, event.type, OUT_OF_SCOPE))
            continue
        results.append(_result(index, event.number, event.type, None))
        row = {name: getattr(event, name) for name in ROW_FIELDS}
        row.update(kind=event.type, unit_id=node.id, api_key_id=key_id)
        rows.setdefault((event.number, event.type), row)
    return results, rows


def _result(
    index: int, number: str | None, kind: Any, error: dict[str, Any] | None
) -> dict[str, Any]:
    """An ``EventResult`` as a dict (a batch's thousands of answers are not models: they are
    serialised once, in the router)."""
    return {
        "index": index,
        "number": number,
        "type": kind if isinstance(kind, str) else None,
        "status": "stored" if error is None else "rejected",
        "error": error,
    }


async def store_events(session: AsyncSession, items: list[Any], ctx: FeedContext) -> dict[str, Any]:
    """Check every event, store the new ones, and say for each what happened (a ``FeedOut``
    as a dict)."""
    results, rows = check_events(items, ctx)
    inserted = await _insert(session, list(rows.values()))
    for result in results:
        if result["status"] == "stored":
            key = (result["number"], result["type"])
            if key in inserted:
                inserted.discard(key)  # the first of equal events in a batch is the stored one
            else:
                result["status"] = "duplicate"
    counts = Counter(r["status"] for r in results)
    return {
        "stored": counts["stored"],
        "duplicates": counts["duplicate"],
        "rejected": counts["rejected"],
        "results": results,
    }


INSERT_COLUMNS = (*ROW_FIELDS, "kind", "unit_id", "api_key_id", "stored_at")
INSERT_TYPES = {"unit_id": "INTEGER", "api_key_id": "INTEGER", "stored_at": "TIMESTAMPTZ"}
UNNEST_EVENTS = text(
    f"INSERT INTO dossier_event ({', '.join(INSERT_COLUMNS)}) SELECT * FROM unnest("
    + ", ".join(
        f"CAST(:{c} AS {INSERT_TYPES.get(c, 'DATE' if c.endswith('_on') else 'TEXT')}[])"
        for c in INSERT_COLUMNS
    )
    + ") ON CONFLICT (number, kind) DO NOTHING RETURNING number, kind"
)


async def _insert(session: AsyncSession, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Insert rows, skipping those whose (number, kind) exists; the keys actually inserted.
    One statement: on PostgreSQL over one array per column (unnest), on SQLite (in process)
    a multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING."""
    if not rows:
        return set()
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        arrays = {c: [row.get(c) for row in rows] for c in INSERT_COLUMNS if c != "stored_at"}
        arrays["stored_at"] = [now] * len(rows)
        result = await session.execute(UNNEST_EVENTS, arrays)
        return {(number, kind) for number, kind in result.all()}
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
