"""The filtered responses as CSV: one row per response, one column per question code.

Free text is masked unless an admin of the whole exported scope asks for it unmasked, which
is audited. Codes are the union over the instrument versions the responses answered, newest
version's order first, so a column keeps its meaning across versions that share codes.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.access import require
from app.auth.principal import Principal
from app.config import Settings
from app.errors import Conflict, Forbidden
from app.forms.schema import Instrument
from app.instruments.stored import free_text_codes, stored_instruments
from app.models import Answer, Response, Round, Unit
from app.models.base import as_utc
from app.responses.display import AnswerRow, cell
from app.responses.service import ResponseFilter, conditions
from app.units.service import load_tree

MAX_ROWS = 100_000
CHUNK = 1000
RESPONSE_COLUMNS = (
    Response.id,
    Round.code.label("round"),
    Unit.code.label("unit"),
    Response.channel,
    Response.status,
    Response.submitted_at,
    Response.status_reason,
    Response.form_version_id,
)
FIXED = ["response_id", "round", "unit", "channel", "status", "submitted_at", "status_reason"]


async def _check_unmasked(
    session: AsyncSession, principal: Principal, f: ResponseFilter
) -> int | None:
    """Only a signed-in admin of the exported unit (a superadmin for everything); its id."""
    if principal.kind != "user":
        raise Forbidden("API keys export masked text only")
    if f.unit is None:
        if not principal.is_superadmin:
            raise Forbidden("Chọn một đơn vị để xuất văn bản không che.")
        return None
    tree = await load_tree(session)
    unit_id = tree.get(f.unit).id
    require(principal, "admin", unit_id, tree)
    return unit_id


def _columns(instruments: dict[int, Instrument]) -> tuple[list[str], set[str]]:
    codes: dict[str, None] = {}
    free: set[str] = set()
    for vid in sorted(instruments, reverse=True):
        codes.update(dict.fromkeys(q.code for q in instruments[vid].questions))
        free.update(free_text_codes(instruments[vid]))
    return list(codes), free


async def export_csv(
    session: AsyncSession,
    audit_session: AsyncSession,
    actor: Actor,
    principal: Principal,
    settings: Settings,
    f: ResponseFilter,
    unmasked: bool = False,
) -> str:
    """CSV text (UTF-8 with BOM, for spreadsheets) of every response matching ``f`` in scope.

    Read through ``session``; an unmasked export is recorded through ``audit_session`` once
    built, so that a write transaction (SQLite's single writer) is held for that row only.
    """
    where = await conditions(session, principal, settings, f)
    unit_id = await _check_unmasked(session, principal, f) if unmasked else None
    rows = (
        await session.execute(
            select(*RESPONSE_COLUMNS)
            .join(Round, Round.id == Response.round_id)
            .join(Unit, Unit.id == Response.unit_id)
            .where(*where)
            .order_by(Response.id)
            .limit(MAX_ROWS + 1)
        )
    ).all()
    if len(rows) > MAX_ROWS:
        raise Conflict(f"more than {MAX_ROWS} responses: narrow the filter")
    instruments = await stored_instruments(session, {r.form_version_id for r in rows})
    codes, free = _columns(instruments)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(FIXED + codes)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        answers = await session.execute(
            select(Answer.response_id, Answer.question, Answer.ordinal, Answer.value, Answer.text)
            .where(Answer.response_id.in_([r.id for r in chunk]))
            .order_by(Answer.response_id, Answer.question, Answer.ordinal)
        )
        by_response: dict[int, dict[str, list[AnswerRow]]] = defaultdict(dict)
        for answer in answers:  # ordered: options of a question stay in their order
            by_response[answer.response_id].setdefault(answer.question, []).append(answer)
        for r in chunk:
            grouped = by_response.get(r.id, {})
            fixed = [r.id, r.round, r.unit, r.channel, r.status]
            fixed += [as_utc(r.submitted_at).isoformat(), r.status_reason or ""]
            cells = [cell(grouped[c], c in free, unmasked) if c in grouped else "" for c in codes]
            writer.writerow(fixed + cells)
    if unmasked:
        scope = {"unit": f.unit, "round": f.round, "rows": len(rows)}
        await record(
            audit_session, actor, "response.export_unmasked", "response", None, unit_id, scope
        )
    return buffer.getvalue()
