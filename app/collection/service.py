"""Collection: which form a counter serves, storing a response once (ids: app/signing.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.collection.answers import ParsedAnswer, without_comment
from app.db import Database, insert_ignore
from app.forms.registry import Catalogue, RegisteredForm
from app.instruments.stored import free_text_codes
from app.integrity.admission import Admission, admit, admit_in_one_statement, hold_burst
from app.integrity.policy import IntegrityPolicy, policy_of
from app.integrity.screening import Paradata, Screening
from app.models import Answer, Quota, Response, Round, RoundUnit, Unit
from app.rounds.service import open_round_for_unit
from app.sampling.quotas import count_response
from app.signing import ExpiredSubmission as ExpiredSubmission
from app.signing import Signed as Signed
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
    # The round's integrity policy and this counter's burst limit (app/integrity), and the
    # instrument's criteria codes (straight-lining): worked out once per cache period.
    policy: IntegrityPolicy = field(default_factory=IntegrityPolicy)
    burst_limit: int = 0
    criteria: frozenset[str] = frozenset()


async def counter_form(
    session: AsyncSession, catalogue: Catalogue, unit_code: str, today: date
) -> CounterForm:
    """The form a counter serves now: its unit, the open round covering it, the instrument."""
    unit = await get_unit(session, unit_code)
    round_ = await open_round_for_unit(session, unit.id, today)
    quotas = await session.scalar(
        select(Quota.id).where(Quota.round_id == round_.id, Quota.unit_id == unit.id).limit(1)
    )
    volume = await session.scalar(
        select(RoundUnit.volume).where(
            RoundUnit.round_id == round_.id, RoundUnit.unit_id == unit.id
        )
    )
    return with_policy(
        CounterForm(unit, round_, catalogue.get(round_.form_code), quotas is not None), volume
    )


def with_policy(target: CounterForm, volume: int | None) -> CounterForm:
    """``target`` with its round's policy, its burst limit from ``volume`` (transactions in
    the round's period; without one, the policy's default rate) and its criteria."""
    policy = policy_of(target.round.integrity_policy)
    round_ = target.round
    if volume:
        minutes = policy.open_minutes(target.unit.code, round_.starts_on, round_.ends_on)
        rate = volume / minutes
    else:
        opens, closes = policy.opening(target.unit.code)
        day = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
        rate = policy.default_daily_transactions / day
    criteria = frozenset(q.code for q in target.form.instrument.criteria)
    return CounterForm(
        target.unit, round_, target.form, target.quotas, policy, policy.burst_limit(rate), criteria
    )


async def store_submission(
    db: Database,
    target: CounterForm,
    submission_id: str,
    answers: list[ParsedAnswer],
    paradata: Paradata,
    screening: Screening,
) -> Admission:
    """Store a citizen's screened submission on its own, committed when this returns.

    On PostgreSQL, at a unit without quotas, the limits, the response, its answers and its
    flags are one statement, atomic by itself, run in autocommit: one round trip instead of
    BEGIN, INSERT, COMMIT (docs/performance.md). Otherwise a write transaction (on SQLite one
    that takes the lock up front) that also counts a counted response against the unit's
    quotas. Work that must commit together with the response (redeeming a token or a receipt
    code) calls ``admit`` in its own session.
    """
    values = response_values(target, submission_id, paradata.channel, answers)
    if db.engine.dialect.name == "postgresql" and not target.quotas:
        pool = await db.driver_pool()
        async with pool.acquire() as connection:
            admission = await admit_in_one_statement(
                connection, values, answers, paradata, screening
            )
        if admission.burst_started and screening.hold_burst:
            async with db.writing() as session:
                await hold_burst(session, target.unit.id, screening)
        return admission
    async with db.writing() as session:
        admission = await admit(session, values, answers, paradata, screening)
        if admission.outcome == "valid" and admission.response_id is not None:
            await count_response(
                session, target.round.id, target.unit.id, None, admission.response_id
            )
        return admission


def response_values(
    target: CounterForm, submission_id: str, channel: str, answers: list[ParsedAnswer]
) -> dict[str, Any]:
    return {
        "submission_id": submission_id,
        "round_id": target.round.id,
        "unit_id": target.unit.id,
        "form_version_id": target.form.version_id,
        "channel": channel,
        "status": "valid",
        "comments_synced": without_comment(answers, free_text_codes(target.form.instrument)),
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
    values = {**response_values(target, submission_id, channel, answers), **(extra or {})}
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
