"""Storing a screened submission under the round's limits, decided by the database.

Every replica shares the limits because their state is in the database: a device's window
at a counter (``device_window``, one atomic upsert) and the counter's recent responses
(``response`` by ``(unit_id, submitted_at)``). The outcome of one submission:

- ``duplicate``: the same filled form from the same device within the window (the Back button
  and a second tap): nothing stored, the citizen sees the thank-you page again;
- ``replay``: this submission id was stored already: nothing stored, thank-you page;
- ``valid`` or ``held``: stored, with the flags that fired; a held response counts nowhere
  until a reviewer accepts it (app/integrity/review.py).

A burst beyond the counter's limit holds the burst itself: the responses of the window that
are still counted and unreviewed are held with it (an attack's first forms too).

Two implementations of one rule set, tested against each other on both backends: a single
statement for PostgreSQL's hot path (one round trip, ``STORE_SCREENED``), and SQLAlchemy
statements inside a write transaction (SQLite, and wherever the response must commit with
other work: quotas, invitations, receipt codes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import and_, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.collection.answers import ParsedAnswer
from app.db import dialect_insert, insert_ignore
from app.integrity.screening import BURST_COUNTED, UNLIMITED, Paradata, Screening
from app.models import Answer, DeviceWindow, Response, ResponseFlag

Outcome = Literal["valid", "held", "duplicate", "replay"]


@dataclass(frozen=True)
class Admission:
    outcome: Outcome
    response_id: int | None = None
    flags: tuple[str, ...] = ()
    burst_started: bool = False  # the first response over the counter's burst limit

    @property
    def stored(self) -> bool:
        return self.response_id is not None


def paradata_values(paradata: Paradata, screening: Screening) -> dict[str, Any]:
    return {
        "channel": paradata.channel,
        "issued_at": paradata.issued_at,
        "device_hash": paradata.device_hash,
        "receipt_hash": paradata.receipt_hash,
        "submitted_at": screening.now,
    }


async def admit(
    session: AsyncSession,
    values: Mapping[str, Any],
    answers: list[ParsedAnswer],
    paradata: Paradata,
    screening: Screening,
) -> Admission:
    """Store a response under the limits, in the caller's transaction."""
    count, duplicate = await _device_window(session, values["unit_id"], paradata, screening)
    if duplicate:
        return Admission("duplicate")
    recent = await _recent_at_counter(session, values["unit_id"], screening)
    flags, held, burst = decide(screening, count, recent)
    status: Outcome = "held" if held else "valid"
    row = {
        **values,
        **paradata_values(paradata, screening),
        "status": status,
        "review": "pending" if held else None,
    }
    stmt = insert_ignore(session, Response, row).returning(Response.id)
    response_id = (await session.execute(stmt)).scalar_one_or_none()
    if response_id is None:
        return Admission("replay")
    if answers:
        await session.execute(
            insert(Answer), [{"response_id": response_id, **a._asdict()} for a in answers]
        )
    if flags:
        await session.execute(
            insert(ResponseFlag), [{"response_id": response_id, "rule": f} for f in flags]
        )
    started = burst and recent == screening.burst_limit
    if started and screening.hold_burst:
        await hold_burst(session, values["unit_id"], screening)
    return Admission(status, response_id, flags, started)


def decide(screening: Screening, count: int, recent: int) -> tuple[tuple[str, ...], bool, bool]:
    """Flags, held, burst: the rules that the stored state decides, added to the screening's."""
    flags = list(screening.flags)
    held = screening.hold
    if count > screening.device_max:
        flags.append("device_repeat")
        held = held or screening.hold_device
    burst = recent + 1 > screening.burst_limit
    if burst:
        flags.append("burst")
        held = held or screening.hold_burst
    return tuple(flags), held, burst


async def _device_window(
    session: AsyncSession, unit_id: int, paradata: Paradata, screening: Screening
) -> tuple[int, bool]:
    """Count this submission in its device's window at the counter: (count, duplicate)."""
    if paradata.device_hash is None:
        return 1, False
    stmt = dialect_insert(session, DeviceWindow).values(
        device_hash=paradata.device_hash,
        unit_id=unit_id,
        window_start=screening.now,
        count=1,
        answers_hash=paradata.answers_hash,
        last_at=screening.now,
        duplicate=False,
    )
    same = and_(
        DeviceWindow.answers_hash == stmt.excluded.answers_hash,
        DeviceWindow.last_at > screening.duplicate_cutoff,
    )
    in_window = DeviceWindow.window_start > screening.device_cutoff
    stmt = stmt.on_conflict_do_update(
        index_elements=[DeviceWindow.device_hash, DeviceWindow.unit_id],
        set_={
            "duplicate": same,
            "count": case(
                (same, DeviceWindow.count),
                (in_window, DeviceWindow.count + 1),
                else_=1,
            ),
            "window_start": case((in_window, DeviceWindow.window_start), else_=screening.now),
            "answers_hash": stmt.excluded.answers_hash,
            "last_at": screening.now,
        },
    ).returning(DeviceWindow.count, DeviceWindow.duplicate)
    count, duplicate = (await session.execute(stmt)).one()
    return int(count), bool(duplicate)


async def _recent_at_counter(session: AsyncSession, unit_id: int, screening: Screening) -> int:
    """The counter's other responses in the burst window, counted up to one past the limit:
    the cost is bounded by the limit, never by the counter's (or a load test's) volume."""
    if screening.burst_limit >= UNLIMITED:
        return 0
    recent = (
        select(Response.id)
        .where(
            Response.unit_id == unit_id,
            Response.submitted_at > screening.burst_cutoff,
            Response.submitted_at <= screening.now,
            Response.channel.in_(BURST_COUNTED),
        )
        .limit(screening.burst_limit + 1)
        .subquery()
    )
    return int(await session.scalar(select(func.count()).select_from(recent)) or 0)


async def hold_burst(session: AsyncSession, unit_id: int, screening: Screening) -> None:
    """Hold the burst window's counted, unreviewed responses at the counter, flagged. Run
    when a burst starts: the window then holds the limit's number of responses."""
    in_burst = and_(
        Response.unit_id == unit_id,
        Response.submitted_at > screening.burst_cutoff,
        Response.submitted_at <= screening.now,
        Response.channel.in_(BURST_COUNTED),
        Response.status == "valid",
        Response.review.is_(None),
    )
    ids = list(await session.scalars(select(Response.id).where(in_burst)))
    if not ids:
        return
    await session.execute(
        update(Response).where(Response.id.in_(ids)).values(status="held", review="pending")
    )
    rows = [{"response_id": response_id, "rule": "burst"} for response_id in ids]
    await session.execute(
        dialect_insert(session, ResponseFlag).values(rows).on_conflict_do_nothing()
    )


# PostgreSQL's hot path: the device window, the counter's recent count, the response, its
# answers and its flags in one statement (one round trip, atomic, no transaction to open).
# The same rules as ``admit``/``decide``; the tests run both against each other.
STORE_SCREENED = f"""
WITH w AS (
    INSERT INTO device_window AS d
        (device_hash, unit_id, window_start, count, answers_hash, last_at, duplicate)
    SELECT $7::text, $3::int, $9::timestamptz, 1, $8::text, $9, false WHERE $7 IS NOT NULL
    ON CONFLICT (device_hash, unit_id) DO UPDATE SET
        duplicate = (d.answers_hash = excluded.answers_hash AND d.last_at > $11::timestamptz),
        count = CASE WHEN d.answers_hash = excluded.answers_hash AND d.last_at > $11 THEN d.count
                     WHEN d.window_start > $10::timestamptz THEN d.count + 1 ELSE 1 END,
        window_start = CASE WHEN d.window_start > $10 THEN d.window_start ELSE $9 END,
        answers_hash = excluded.answers_hash,
        last_at = $9
    RETURNING count, duplicate
), v AS (
    SELECT coalesce((SELECT count FROM w), 1) AS count,
           coalesce((SELECT duplicate FROM w), false) AS duplicate,
           CASE WHEN $14::int >= {UNLIMITED} THEN 1 ELSE (
               SELECT count(*) + 1 FROM (
                   SELECT 1 FROM response
                   WHERE unit_id = $3 AND submitted_at > $12::timestamptz AND submitted_at <= $9
                     AND channel IN ({", ".join(f"'{c}'" for c in BURST_COUNTED)})
                   LIMIT $14::bigint + 1) AS capped
           ) END AS recent
), f AS (
    SELECT array_cat($15::text[], array_remove(ARRAY[
               CASE WHEN v.count > $13::int THEN 'device_repeat' END,
               CASE WHEN v.recent > $14 THEN 'burst' END], NULL)) AS flags,
           ($16::bool OR (v.count > $13 AND $17::bool) OR (v.recent > $14 AND $18::bool)) AS held,
           v.recent = $14::bigint + 1 AS started
    FROM v WHERE NOT v.duplicate
), r AS (
    INSERT INTO response (submission_id, round_id, unit_id, form_version_id, channel,
                          issued_at, device_hash, submitted_at, status, review, comments_synced)
    SELECT $1::text, $2::int, $3, $4::int, $5::text, $6::timestamptz, $7, $9,
           CASE WHEN f.held THEN 'held' ELSE 'valid' END,
           CASE WHEN f.held THEN 'pending' END, $23::bool
    FROM f
    ON CONFLICT DO NOTHING
    RETURNING id, status
), a AS (
    INSERT INTO answer (response_id, question, ordinal, value, text)
    SELECT r.id, q, o, val, t
    FROM r, unnest($19::text[], $20::int2[], $21::float8[], $22::text[]) AS u(q, o, val, t)
), g AS (
    INSERT INTO response_flag (response_id, rule)
    SELECT r.id, rule FROM r, f, unnest(f.flags) AS rule
)
SELECT (SELECT duplicate FROM v), (SELECT id FROM r), (SELECT status FROM r),
       (SELECT flags FROM f), (SELECT started FROM f)
"""


async def admit_in_one_statement(
    connection: Any,
    values: Mapping[str, Any],
    answers: list[ParsedAnswer],
    paradata: Paradata,
    screening: Screening,
) -> Admission:
    """``admit`` on an asyncpg connection in autocommit: one prepared statement."""
    duplicate, response_id, status, flags, started = await connection.fetchrow(
        STORE_SCREENED,
        values["submission_id"],
        values["round_id"],
        values["unit_id"],
        values["form_version_id"],
        paradata.channel,
        paradata.issued_at,
        paradata.device_hash,
        paradata.answers_hash,
        screening.now,
        screening.device_cutoff,
        screening.duplicate_cutoff,
        screening.burst_cutoff,
        screening.device_max,
        screening.burst_limit,
        list(screening.flags),
        screening.hold,
        screening.hold_device,
        screening.hold_burst,
        [a.question for a in answers],
        [a.ordinal for a in answers],
        [a.value for a in answers],
        [a.text for a in answers],
        values["comments_synced"],
    )
    if duplicate:
        return Admission("duplicate")
    if response_id is None:
        return Admission("replay")
    return Admission(status, response_id, tuple(flags or ()), bool(started))
