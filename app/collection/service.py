"""Collection: which form a counter serves, storing a response once (ids: app/signing.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.collection.answers import ParsedAnswer
from app.db import Database, insert_ignore
from app.forms.registry import Catalogue, RegisteredForm
from app.models import Answer, Quota, Response, Round, Unit
from app.rounds.service import open_round_for_unit
from app.sampling.quotas import count_response
from app.signing import ExpiredSubmission as ExpiredSubmission
from app.signing import SubmissionSigner as SubmissionSigner
from app.signing import TamperedSubmission as TamperedSubmission
from app.units.service import get_unit


@dataclass(frozen=True)
class CounterForm:
    unit: Unit
    round: Round
    form: RegisteredForm
    # Whether quotas apply at this unit: then submissions count against them in a transaction.
    quotas: bool = False


async def counter_form(
    session: AsyncSession, catalogue: Catalogue, unit_code: str, today: date
) -> CounterForm:
    """The form a counter serves now: its unit, the open round covering it, the instrument."""
    unit = await get_unit(session, unit_code)
    round_ = await open_round_for_unit(session, unit.id, today)
    quotas = await session.scalar(
        select(Quota.id).where(Quota.round_id == round_.id, Quota.unit_id == unit.id).limit(1)
    )
    return CounterForm(unit, round_, catalogue.get(round_.form_code), quotas is not None)


async def store_submission(
    db: Database,
    target: CounterForm,
    submission_id: str,
    answers: list[ParsedAnswer],
    channel: str = "qr",
) -> bool:
    """Store a citizen's submission on its own, committed when this returns.

    On PostgreSQL, at a unit without quotas, the response and its answers are one statement,
    atomic by itself, run in autocommit: one round trip instead of BEGIN, INSERT, COMMIT
    (docs/performance.md). Otherwise a write transaction (on SQLite one that takes the lock up
    front) that also counts the response against the unit's quotas. Work that must commit
    together with the response (redeeming a token) uses ``store_response`` in its session.
    """
    if db.engine.dialect.name == "postgresql" and not target.quotas:
        pool = await db.driver_pool()
        async with pool.acquire() as connection:
            return await _store_in_one_statement(
                connection, _response_values(target, submission_id, channel), answers
            )
    async with db.write_sessions.begin() as session:
        return await store_response(session, target, submission_id, answers, channel)


def _response_values(target: CounterForm, submission_id: str, channel: str) -> dict[str, Any]:
    return {
        "submission_id": submission_id,
        "round_id": target.round.id,
        "unit_id": target.unit.id,
        "form_version_id": target.form.version_id,
        "channel": channel,
        "status": "valid",
    }


async def store_response(
    session: AsyncSession,
    target: CounterForm,
    submission_id: str,
    answers: list[ParsedAnswer],
    channel: str = "qr",
    extra: Mapping[str, Any] | None = None,
) -> bool:
    """Store a response and its answers; False when this submission id was already stored.

    The unique submission id makes a retried or double-tapped POST a no-op, also when
    concurrent requests race: the database, not this process, decides who stored it.
    ``extra``: further response columns (an invitation's ``invitation_id`` and ``stratum``).
    """
    values = {**_response_values(target, submission_id, channel), **(extra or {})}
    stmt = insert_ignore(session, Response, values).returning(Response.id)
    response_id = (await session.execute(stmt)).scalar_one_or_none()
    if response_id is None:
        return False
    # Sampling hook: count against quotas; a full hard quota raises QuotaFull (rolled back).
    stratum = values.get("stratum")
    await count_response(session, target.round.id, target.unit.id, stratum, response_id)
    if answers:
        await session.execute(
            insert(Answer),
            [
                {
                    "response_id": response_id,
                    "question": a.question,
                    "ordinal": a.ordinal,
                    "value": a.value,
                    "text": a.text,
                }
                for a in answers
            ],
        )
    return True


# PostgreSQL: the response and all its answers in one round trip (data-modifying CTEs).
STORED_COLUMNS = ("submission_id", "round_id", "unit_id", "form_version_id", "channel", "status")
STORE_ONE_STATEMENT = f"""
WITH r AS (
    INSERT INTO response ({", ".join(STORED_COLUMNS)}, submitted_at)
    VALUES ({", ".join(f"${i}" for i in range(1, len(STORED_COLUMNS) + 1))}, now())
    ON CONFLICT (submission_id) DO NOTHING
    RETURNING id
), a AS (
    INSERT INTO answer (response_id, question, ordinal, value, text)
    SELECT r.id, q, o, v, t
    FROM r, unnest($7::text[], $8::int2[], $9::float8[], $10::text[]) AS x(q, o, v, t)
)
SELECT id FROM r
"""


async def _store_in_one_statement(
    driver_connection: Any, values: dict[str, Any], answers: list[ParsedAnswer]
) -> bool:
    """Run on the asyncpg connection itself: the statement is prepared once per connection."""
    stored = await driver_connection.fetchval(
        STORE_ONE_STATEMENT,
        *(values[column] for column in STORED_COLUMNS),
        [a.question for a in answers],
        [a.ordinal for a in answers],
        [a.value for a in answers],
        [a.text for a in answers],
    )
    return stored is not None
