"""Satisfaction by the rated dossier, kept by the worker (task ``dossiers.ratings``).

For each round of a known instrument whose linked responses changed (their count and id sum,
``dossier_rating_state.basis``), the worker recomputes the round's ``dossier_rating_tally``:
per unit, local day of the response, and the dossier's procedure, field, channel and
timeliness, the valid responses given through a dossier's own rating code, their criterion
answers (not "not applicable") and satisfied answers. ``/dossier-satisfaction`` and the
Decision 766 satisfaction points only sum these rows, whatever the number of responses; they
say when the rows were computed (``as_of``). A round's rows are replaced in one transaction;
on PostgreSQL one process computes a round at a time (an advisory try-lock).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database, dialect_insert
from app.errors import AppError
from app.forms.schema import Instrument
from app.models import DossierRatingState, DossierRatingTally, Response, Round
from app.models.base import as_utc, utcnow
from app.statistics.cells import Spec
from app.worker.locks import DOSSIER_RATINGS

log = logging.getLogger("sipas.dossiers")
ACTIVE = ("open", "closed", "published")
TIMELINESS_SQL = (
    "CASE WHEN d.due_on IS NULL THEN 'no_due' WHEN d.returned_on < d.due_on THEN 'early' "
    "WHEN d.returned_on = d.due_on THEN 'on_time' ELSE 'late' END"
)
Key = tuple[int, date, str, str, str, str]


def _linked(round_id: int) -> Any:
    return (
        select(func.count(), func.coalesce(func.sum(Response.id), 0))
        .where(Response.round_id == round_id, Response.status == "valid")
        .where(Response.receipt_hash.is_not(None))
    )


async def basis_of(session: AsyncSession, round_id: int) -> str:
    """The linked valid responses of the round, as "count:id-sum" (changes when one is added,
    excluded or restored)."""
    count, total = (await session.execute(_linked(round_id))).one()
    return f"{int(count)}:{int(total)}"


async def _per_response(session: AsyncSession, round_id: int, instrument: Instrument) -> list[Any]:
    ctes, params = Spec.of(instrument).ctes()
    params["round_id"] = round_id
    sql = f"""
    WITH {ctes},
    linked AS (
      SELECT r.id AS response_id, r.unit_id, r.submitted_at, d.procedure_code, d.field,
             d.channel, {TIMELINESS_SQL} AS timeliness
      FROM response r
      JOIN dossier_event d ON d.rating_hash = r.receipt_hash AND d.kind = 'returned'
        AND d.rating_round_id = r.round_id
      WHERE r.round_id = :round_id AND r.status = 'valid' AND r.receipt_hash IS NOT NULL
    )
    SELECT l.response_id, l.unit_id, l.submitted_at, l.procedure_code, l.field, l.channel,
           l.timeliness, COUNT(c.question) AS answered,
           SUM(CASE WHEN c.question IS NOT NULL AND s.question IS NOT NULL THEN 1 ELSE 0 END)
             AS satisfied
    FROM linked l
    LEFT JOIN answer a ON a.response_id = l.response_id AND a.value IS NOT NULL
    LEFT JOIN crit c ON c.question = a.question
    LEFT JOIN satlev s ON s.question = a.question AND s.level = a.value
    GROUP BY l.response_id, l.unit_id, l.submitted_at, l.procedure_code, l.field, l.channel,
             l.timeliness"""
    return list(await session.execute(text(sql), params))


def _aggregate(rows: list[Any], zone: ZoneInfo) -> dict[Key, list[int]]:
    """Per (unit, local day, procedure, field, channel, timeliness): [responses, answered,
    satisfied]. A response with no criterion answered counts as a response only."""
    cells: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        submitted = row.submitted_at
        if isinstance(submitted, str):  # SQLite hands text back from a raw query
            submitted = datetime.fromisoformat(submitted)
        day = as_utc(submitted).astimezone(zone).date()
        key = (row.unit_id, day, row.procedure_code, row.field, row.channel, row.timeliness)
        cell = cells[key]
        cell[0] += 1
        cell[1] += int(row.answered or 0)
        cell[2] += int(row.satisfied or 0)
    return cells


async def recompute_round(
    session: AsyncSession, round_: Round, instrument: Instrument, zone: ZoneInfo, basis: str
) -> int:
    """Replace the round's rows by a fresh count; the number of rows written."""
    cells = _aggregate(await _per_response(session, round_.id, instrument), zone)
    T = DossierRatingTally
    await session.execute(delete(T).where(T.round_id == round_.id))
    rows = [
        {
            "round_id": round_.id,
            "unit_id": k[0],
            "day": k[1],
            "procedure_code": k[2],
            "field": k[3],
            "channel": k[4],
            "timeliness": k[5],
            "responses": v[0],
            "answered": v[1],
            "satisfied": v[2],
        }
        for k, v in cells.items()
    ]
    for start in range(0, len(rows), 500):  # 10 values a row: within SQLite's variables
        await session.execute(insert(T), rows[start : start + 500])
    state = dialect_insert(session, DossierRatingState).values(
        round_id=round_.id, basis=basis, as_of=utcnow()
    )
    await session.execute(
        state.on_conflict_do_update(
            index_elements=["round_id"],
            set_={"basis": state.excluded.basis, "as_of": state.excluded.as_of},
        )
    )
    return len(rows)


async def _locked(session: AsyncSession, round_id: int) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    query = text("SELECT pg_try_advisory_xact_lock(:k, :r)")
    return bool(await session.scalar(query, {"k": DOSSIER_RATINGS.key, "r": round_id}))


async def refresh_ratings(db: Database, catalogue: Any, timezone: str) -> int:
    """Recompute the rows of every active round whose linked responses changed; how many
    rounds were recomputed."""
    zone = ZoneInfo(timezone)
    async with db.sessions() as session:
        rounds = list(await session.scalars(select(Round).where(Round.status.in_(ACTIVE))))
        query = select(DossierRatingState.round_id, DossierRatingState.basis)
        states = {r: b for r, b in await session.execute(query)}
    done = 0
    for round_ in rounds:
        try:
            instrument = catalogue.get(round_.form_code).instrument
        except AppError:
            log.warning("dossier ratings of %s: unknown instrument", round_.code)
            continue
        async with db.writing() as session:
            basis = await basis_of(session, round_.id)
            if states.get(round_.id) == basis or not await _locked(session, round_.id):
                continue
            await recompute_round(session, round_, instrument, zone, basis)
            done += 1
    return done
