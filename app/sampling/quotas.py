"""Quotas: a target number of responses per round unit (or stratum within it), kept atomically.

A quota with stratum '' covers every response stored at its unit; one with a named stratum
covers the responses carrying that stratum, so a response may count against two quotas (its
unit's and its stratum's). A full hard quota refuses the response (410, "enough answers"); a
soft one accepts it marked ``over_quota`` and, when the quota says so, excluded from
statistics (status 'excluded').
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.errors import AppError, Conflict, Gone
from app.models import Quota, Response, Round
from app.rounds.service import covered_unit_ids
from app.units.service import load_tree

MSG_FULL = (
    "Khảo sát tại đơn vị này đã nhận đủ số phiếu cần thiết. "
    "Xin chân thành cảm ơn Ông/Bà đã quan tâm và dành thời gian!"
)


class QuotaFull(Gone):
    """410: the survey at this unit (or stratum) needs no more answers in this round."""

    code = "quota_full"
    title = "Khảo sát đã đủ số phiếu"


def _covering(round_id: int, unit_id: int, stratum: str | None) -> Any:
    """The quotas a response at (unit, stratum) counts against."""
    keys = ["", stratum] if stratum else [""]
    return (Quota.round_id == round_id, Quota.unit_id == unit_id, Quota.stratum.in_(keys))


async def ensure_not_full(
    session: AsyncSession, round_id: int, unit_id: int, stratum: str | None
) -> None:
    """Refuse up front (QuotaFull) when a hard quota covering this unit/stratum is full.

    Only a courtesy, so that nobody fills in a form that cannot be accepted; the decision is
    taken by ``count_response`` inside the submission's transaction.
    """
    full = await session.scalar(
        select(Quota.id)
        .where(*_covering(round_id, unit_id, stratum))
        .where(Quota.mode == "hard", Quota.filled >= Quota.target)
        .limit(1)
    )
    if full is not None:
        raise QuotaFull(MSG_FULL)


async def count_response(
    session: AsyncSession, round_id: int, unit_id: int, stratum: str | None, response_id: int
) -> None:
    """Count a response just stored (in this transaction) against its quotas.

    Each quota advances by one conditional UPDATE: PostgreSQL's row lock (SQLite's write
    lock) orders concurrent submissions and the WHERE re-reads ``filled``, so a hard quota
    never overfills. A full one raises QuotaFull and the response is rolled back with it. A
    retried submission is never stored twice (unique submission id), so never counted twice.
    """
    ids = await session.scalars(
        select(Quota.id).where(*_covering(round_id, unit_id, stratum)).order_by(Quota.id)
    )
    over, exclude = False, False
    for quota_id in ids.all():
        taken = (
            await session.execute(
                update(Quota)
                .where(Quota.id == quota_id, or_(Quota.mode == "soft", Quota.filled < Quota.target))
                .values(filled=Quota.filled + 1)
                .returning(Quota.filled, Quota.target, Quota.exclude_over)
                .execution_options(synchronize_session=False)
            )
        ).one_or_none()
        if taken is None:
            raise QuotaFull(MSG_FULL)
        if taken.filled > taken.target:
            over, exclude = True, exclude or taken.exclude_over
    if over:
        values: dict[str, Any] = {"over_quota": True}
        if exclude:
            values["status"] = "excluded"
        await session.execute(
            update(Response)
            .where(Response.id == response_id)
            .values(values)
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class QuotaSpec:
    unit: str
    stratum: str | None
    target: int
    mode: str = "hard"
    exclude_over: bool = False


async def list_quotas(session: AsyncSession, round_id: int) -> list[Quota]:
    stmt = select(Quota).where(Quota.round_id == round_id).order_by(Quota.unit_id, Quota.stratum)
    return list((await session.scalars(stmt)).all())


async def _stored_count(session: AsyncSession, round_id: int, unit_id: int, stratum: str) -> int:
    stmt = select(func.count()).where(Response.round_id == round_id, Response.unit_id == unit_id)
    if stratum:
        stmt = stmt.where(Response.stratum == stratum)
    return int(await session.scalar(stmt) or 0)


async def _by_key(
    session: AsyncSession, round_: Round, specs: Sequence[QuotaSpec]
) -> dict[tuple[int, str], QuotaSpec]:
    """Specs keyed by (unit id, stratum); each unit covered by the round, each key once."""
    tree = await load_tree(session)
    covered = await covered_unit_ids(session, round_.id)
    wanted: dict[tuple[int, str], QuotaSpec] = {}
    for spec in specs:
        unit_id = tree.get(spec.unit).id
        if unit_id not in covered:
            raise AppError(f"unit {spec.unit} is not covered by round {round_.code}")
        key = (unit_id, spec.stratum or "")
        if key in wanted:
            raise AppError(f"quota for {spec.unit} / {spec.stratum or '-'} given twice")
        wanted[key] = spec
    return wanted


async def _upsert(
    session: AsyncSession,
    actor: Actor,
    round_: Round,
    key: tuple[int, str],
    quota: Quota | None,
    spec: QuotaSpec,
) -> None:
    unit_id, stratum = key
    if quota is None:
        filled = await _stored_count(session, round_.id, unit_id, stratum)
        quota = Quota(round_id=round_.id, unit_id=unit_id, stratum=stratum, filled=filled)
        session.add(quota)
    quota.target, quota.mode, quota.exclude_over = spec.target, spec.mode, spec.exclude_over
    changes = {"unit": spec.unit, "stratum": stratum or None, "target": spec.target}
    changes |= {"mode": spec.mode, "exclude_over": spec.exclude_over}
    await record(session, actor, "quota.set", "round", round_.code, unit_id, changes)


async def set_quotas(
    session: AsyncSession, actor: Actor, round_: Round, specs: Sequence[QuotaSpec]
) -> list[Quota]:
    """Replace the round's quotas with ``specs`` (audited); counts already made are kept.

    A new quota starts filled with the responses already stored for its unit/stratum.
    """
    wanted = await _by_key(session, round_, specs)
    existing = {(q.unit_id, q.stratum): q for q in await list_quotas(session, round_.id)}
    for (unit_id, stratum), old in existing.items():
        if (unit_id, stratum) not in wanted:
            await session.delete(old)
            changes = {"stratum": stratum or None, "target": old.target, "filled": old.filled}
            await record(session, actor, "quota.delete", "round", round_.code, unit_id, changes)
    try:
        for key, spec in wanted.items():
            await _upsert(session, actor, round_, key, existing.get(key), spec)
    except IntegrityError as exc:  # a concurrent change created the same quota first
        raise Conflict("the quotas were changed at the same time; reload and try again") from exc
    return await list_quotas(session, round_.id)
