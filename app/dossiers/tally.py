"""The dossier feed's indicators, kept by the worker: every fed event is counted once into
``dossier_tally`` (unit × day × procedure × field × channel), so an indicators report sums
days, whatever the number of dossiers (docs/dossiers.md).

An event is counted once (``dossier_event.tally`` goes from None to 1 or 0) in batches, in
short transactions, one process at a time (an advisory lock on PostgreSQL; SQLite has one
writer). The definitions of app/dossiers/indicators.py hold at every step:

- *received*: +1 received on its ``received_on``;
- *returned*: +1 transaction (and its timeliness and channel) on its ``returned_on``, unless
  a cancellation of the same dossier is already stored (then it is marked 0, not counted);
- *cancelled*: a returned event of the same dossier already counted (1) is taken back out
  (-1) and marked 0.

Whichever order the events arrive or commit in, a returned dossier is in the tally exactly
when it has no cancellation: a cancellation stored before the returned event is seen when the
returned event is counted; one stored after it finds the returned event counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database, dialect_insert
from app.models import DossierEvent, DossierFold, DossierTally
from app.models.base import utcnow
from app.models.dossier_tally import COUNTS
from app.worker.locks import DOSSIER_FOLD

BATCH = 2000
IN_CHUNK = 900  # values per IN list (SQLite's limit on bound variables)
PENDING_CAP = 10_000  # how far a report counts the events still to fold

E = DossierEvent
EVENT_COLUMNS = (
    E.id,
    E.number,
    E.kind,
    E.unit_id,
    E.procedure_code,
    E.field,
    E.channel,
    E.received_on,
    E.due_on,
    E.returned_on,
)
Key = tuple[int, Any, str, str, str]


def _chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    return [values[i : i + IN_CHUNK] for i in range(0, len(values), IN_CHUNK)]


def _returned_delta(row: Any, sign: int) -> tuple[Key, dict[str, int]]:
    key = (row.unit_id, row.returned_on, row.procedure_code, row.field, row.channel)
    due, back = row.due_on, row.returned_on
    counts = {
        "transactions": sign,
        "with_due": sign if due is not None else 0,
        "early": sign if due is not None and back < due else 0,
        "on_time": sign if due is not None and back == due else 0,
        "late": sign if due is not None and back > due else 0,
        "online": sign if row.channel == "online" else 0,
    }
    return key, counts


async def _cancelled_numbers(session: AsyncSession, numbers: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(numbers):
        query = select(E.number).where(E.kind == "cancelled", E.number.in_(chunk))
        found.update(await session.scalars(query))
    return found


async def _counted_returns(session: AsyncSession, numbers: list[str]) -> list[Any]:
    rows: list[Any] = []
    for chunk in _chunks(numbers):
        query = select(*EVENT_COLUMNS).where(
            E.kind == "returned", E.tally == 1, E.number.in_(chunk)
        )
        rows.extend((await session.execute(query)).all())
    return rows


async def _mark(session: AsyncSession, ids: list[int], value: int) -> None:
    for chunk in _chunks(ids):
        await session.execute(update(E).where(E.id.in_(chunk)).values(tally=value))


async def _add(session: AsyncSession, deltas: dict[Key, dict[str, int]]) -> None:
    if not deltas:
        return
    rows = [
        {
            "unit_id": k[0],
            "day": k[1],
            "procedure_code": k[2],
            "field": k[3],
            "channel": k[4],
            **{name: counts.get(name, 0) for name in COUNTS},
        }
        for k, counts in deltas.items()
    ]
    table = DossierTally.__table__
    for start in range(0, len(rows), 500):  # 12 values a row: within SQLite's variables
        insert = dialect_insert(session, DossierTally).values(rows[start : start + 500])
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=["unit_id", "day", "procedure_code", "field", "channel"],
                set_={name: table.c[name] + insert.excluded[name] for name in COUNTS},
            )
        )


async def _stamp(session: AsyncSession) -> None:
    insert = dialect_insert(session, DossierFold).values(id=1, folded_at=utcnow())
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["id"], set_={"folded_at": insert.excluded.folded_at}
        )
    )


async def fold_batch(session: AsyncSession) -> int | None:
    """Count one batch of uncounted events; how many (None: another process is counting)."""
    if session.get_bind().dialect.name == "postgresql":
        locked = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:k, 0)"), {"k": DOSSIER_FOLD.key}
        )
        if not locked:
            return None
    rows = (
        await session.execute(
            select(*EVENT_COLUMNS).where(E.tally.is_(None)).order_by(E.id).limit(BATCH)
        )
    ).all()
    if not rows:  # nothing new: no write (an idle feed costs one indexed read per pass)
        if await session.scalar(select(DossierFold.id).where(DossierFold.id == 1)) is None:
            await _stamp(session)  # the first pass says the (empty) count is up to date
        return 0
    deltas: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))

    def add(key: Key, counts: dict[str, int]) -> None:
        for name, n in counts.items():
            deltas[key][name] += n

    returned = [r for r in rows if r.kind == "returned"]
    cancelled = await _cancelled_numbers(session, [r.number for r in returned])
    counted, skipped = [], []
    for row in rows:
        if row.kind == "received":
            key = (row.unit_id, row.received_on, row.procedure_code, row.field, row.channel)
            add(key, {"received": 1})
        elif row.kind == "returned":
            if row.number in cancelled or row.returned_on is None:
                skipped.append(row.id)
                continue
            add(*_returned_delta(row, +1))
        counted.append(row.id)
    await _mark(session, counted, 1)
    await _mark(session, skipped, 0)
    cancels = [r.number for r in rows if r.kind == "cancelled"]
    taken_back = await _counted_returns(session, cancels)
    for row in taken_back:
        add(*_returned_delta(row, -1))
    await _mark(session, [r.id for r in taken_back], 0)
    await _add(session, deltas)
    await _stamp(session)
    return len(rows)


async def fold_events(db: Database, batches: int = 50) -> int:
    """Count uncounted events, a batch per transaction, until none is left (at most
    ``batches`` batches a run); how many were counted."""
    done = 0
    for _ in range(batches):
        async with db.writing() as session:
            folded = await fold_batch(session)
        if not folded:
            break
        done += folded
    return done


async def freshness(session: AsyncSession) -> tuple[datetime | None, int]:
    """When the tally was last brought up to date, and the events still to count (counted up
    to PENDING_CAP: the cost is bounded by the cap, never by the feed)."""
    folded_at = await session.scalar(select(DossierFold.folded_at).where(DossierFold.id == 1))
    pending = select(E.id).where(E.tally.is_(None)).limit(PENDING_CAP).subquery()
    count = await session.scalar(select(func.count()).select_from(pending))
    return folded_at, int(count or 0)
