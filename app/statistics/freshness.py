"""How fresh a round's maintained tallies are, as reports state it, and how long a report waits.

Reports serve the tallies as last folded (app.statistics.maintained) at once and say so:
``as_of`` (when the fold they reflect committed), ``pending`` (changes queued since, not yet
folded), ``stale`` (a rebuild is due or running: the figures are the previous ones, read with
the design they were built for). A report waits for the fold only when asked: ``?fresh=true``
or the ``SIPAS_REPORT_WAIT_SECONDS`` setting, at most that long (``waiting``).

``observing()`` collects the freshness of every round an engine was built for inside it, so
that a report can state what it served without threading it through every caller.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import as_utc, utcnow
from app.statistics.design import Design

STATE = text(
    "SELECT signature, stale, as_of, data_at, folded, design FROM tally_state WHERE round_id = :r"
)
PENDING = text("SELECT id FROM tally_queue WHERE round_id = :r ORDER BY round_id, id LIMIT 1")
QUEUE_DEPTH = text("SELECT COUNT(*), MIN(id) FROM tally_queue")
OLDEST_AGE = {
    "postgresql": "SELECT EXTRACT(EPOCH FROM (now() - queued_at)) FROM tally_queue WHERE id = :id",
    "sqlite": "SELECT (julianday('now') - julianday(queued_at)) * 86400 FROM tally_queue "
    "WHERE id = :id",
}


def design_json(design: Design) -> str:
    """The design tallies were built for, to read them with while a rebuild runs."""
    return json.dumps(asdict(design), sort_keys=True)


def design_from_json(raw: str) -> Design:
    return Design(**json.loads(raw))


@dataclass(frozen=True)
class Freshness:
    """What a report's figures reflect. ``source``: 'tallies' or 'live' (computed from the
    responses in the request: weighted designs, or tallies not built yet)."""

    source: str
    as_of: datetime
    pending: bool = False
    stale: bool = False
    folded: int = 0
    data_at: datetime | None = None

    @classmethod
    def live(cls) -> Freshness:
        return cls("live", utcnow())


@dataclass(frozen=True)
class Stored:
    """A round's tally_state row: the signature and design the tallies were built for."""

    signature: str
    stale: bool
    as_of: datetime | None
    data_at: datetime | None
    folded: int
    design: Design | None


async def stored_state(session: AsyncSession, round_id: int) -> Stored | None:
    """The round's tally state (None: never built)."""
    stmt = STATE.bindparams(bindparam("r", round_id))
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        return None
    signature, stale, as_of, data_at, folded, design = row
    return Stored(
        str(signature),
        bool(stale),
        _moment(as_of),
        _moment(data_at),
        int(folded or 0),
        design_from_json(design) if design else None,
    )


def _moment(value: object) -> datetime | None:
    """A timestamp read through text(): SQLite returns it as a string."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    return as_utc(datetime.fromisoformat(str(value)))


async def has_pending(session: AsyncSession, round_id: int) -> bool:
    """Are changes of the round queued and not yet folded? (the first entry of an index)"""
    return (await session.scalar(PENDING, {"r": round_id})) is not None


async def queue_health(session: AsyncSession) -> dict[str, float | int | None]:
    """Queued changes of every round and the age in seconds of the oldest (for /readyz)."""
    depth, oldest = (await session.execute(QUEUE_DEPTH)).one()
    age = None
    if oldest is not None:
        sql = OLDEST_AGE[session.get_bind().dialect.name]
        age = await session.scalar(text(sql), {"id": oldest})
    return {"queued": int(depth or 0), "oldest_seconds": round(float(age), 3) if age else None}


# Outside a request (the CLI, scripts) figures are brought up to date first.
_WAIT: ContextVar[float] = ContextVar("report_wait", default=math.inf)
_SEEN: ContextVar[dict[int, Freshness] | None] = ContextVar("report_freshness", default=None)


def waiting() -> float:
    """Seconds this request's reports wait for queued changes to be folded (0: not at all)."""
    return _WAIT.get()


def set_waiting(seconds: float) -> None:
    _WAIT.set(max(0.0, seconds))


def observed(round_id: int, freshness: Freshness) -> None:
    """Note what an engine for the round served (inside ``observing()``)."""
    seen = _SEEN.get()
    if seen is not None:
        seen.setdefault(round_id, freshness)


@contextmanager
def observing() -> Iterator[dict[int, Freshness]]:
    """Collect, per round, the freshness of the first engine built for it inside."""
    seen: dict[int, Freshness] = {}
    token = _SEEN.set(seen)
    try:
        yield seen
    finally:
        _SEEN.reset(token)
