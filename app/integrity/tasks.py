"""Integrity's background work, each task idempotent and safe to run on every replica:

- ``refresh_reports``: recompute the integrity report of each round whose responses changed
  (a watermark of their count, last id and last review), and flag the days unlike the unit's
  others (``day_shift``);
- ``erase_expired``: delete collection-limit state whose window has passed, and clear the
  device pseudonyms of published rounds' responses (Decree 13: kept no longer than needed).

Run by the app's background worker (app/worker) and by ``sipas integrity refresh``.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from statistics import NormalDist
from typing import Any

from sqlalchemy import delete, func, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database, dialect_insert
from app.forms.registry import Catalogue
from app.integrity.policy import IntegrityPolicy, policy_of
from app.integrity.report import compute_report, local_day
from app.models import DeviceWindow, IntegritySummary, Response, ResponseFlag, Round
from app.models.base import utcnow
from app.units.service import load_tree
from app.worker.locks import INTEGRITY_REPORT
from app.worker.registry import DEFER, Context, periodic

log = logging.getLogger("sipas.integrity")
ACTIVE = ("open", "closed")
# Limit state outlives every window a policy can set (a day at most).
STATE_KEPT = timedelta(days=1, hours=1)
ERASE_BATCH = 10_000  # pseudonyms cleared per run (a published round's, over a few runs)


async def watermark(session: AsyncSession, round_id: int) -> str:
    row = (
        await session.execute(
            select(func.count(), func.max(Response.id), func.max(Response.status_changed_at)).where(
                Response.round_id == round_id
            )
        )
    ).one()
    return f"{row[0]}|{row[1]}|{row[2]}"[:64]


def shifted_days(policy: IntegrityPolicy, days: list[dict[str, Any]]) -> list[str]:
    """Days whose satisfied share departs from the unit's other days: a two-proportion z-test
    counting each response once (answers of one response are not independent, so n is the
    number of responses: conservative), two-sided at ``day_shift_p``, for days with at least
    ``day_shift_min_n`` responses."""
    critical = NormalDist().inv_cdf(1 - policy.day_shift_p / 2)
    total_sat = sum(d["satisfied"] for d in days)
    total_ans = sum(d["answered"] for d in days)
    total_n = sum(d["responses"] for d in days)
    found = []
    for day in days:
        n_day, n_rest = day["responses"], total_n - day["responses"]
        ans_rest = total_ans - day["answered"]
        if n_day < policy.day_shift_min_n or n_rest < policy.day_shift_min_n or not day["answered"]:
            continue
        if not ans_rest:
            continue
        p_day = day["satisfied"] / day["answered"]
        p_rest = (total_sat - day["satisfied"]) / ans_rest
        pooled = total_sat / total_ans
        se = math.sqrt(pooled * (1 - pooled) * (1 / n_day + 1 / n_rest))
        if se > 0 and abs(p_day - p_rest) / se > critical:
            found.append(day["day"])
    return found


async def _flag_days(
    session: AsyncSession, round_id: int, unit_id: int, days: list[str], timezone: str
) -> None:
    """Flag the unit's responses of ``days`` ``day_shift``: one INSERT ... SELECT in the
    database, so no response id passes through this process (a gamed day has thousands; as a
    multi-row VALUES, 16,384 of them exceeded PostgreSQL's 32,767 bind parameters, and
    building it held the event loop for seconds while citizens' forms waited)."""
    if not days:
        return
    day_sql, params = local_day(session.get_bind().dialect.name, timezone)
    on_days = select(Response.id, literal("day_shift")).where(
        Response.round_id == round_id,
        Response.unit_id == unit_id,
        text(f"{day_sql} IN ({', '.join(f':d{i}' for i in range(len(days)))})").bindparams(
            **params, **{f"d{i}": d for i, d in enumerate(days)}
        ),
    )
    await session.execute(
        dialect_insert(session, ResponseFlag)
        .from_select(["response_id", "rule"], on_days)
        .on_conflict_do_nothing()
    )


async def _locked_elsewhere(session: AsyncSession, round_id: int) -> bool:
    """Another replica is computing this round's report (PostgreSQL; SQLite has one writer)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    sql = text("SELECT pg_try_advisory_xact_lock(:c, :r)")
    return not await session.scalar(sql, {"c": INTEGRITY_REPORT.key, "r": round_id})


async def refresh_round(
    session: AsyncSession, round_: Round, catalogue: Catalogue, timezone: str, force: bool = False
) -> bool:
    """Recompute one round's report if its responses changed; True when it did."""
    if await _locked_elsewhere(session, round_.id):
        return False
    mark = await watermark(session, round_.id)
    stored = await session.get(IntegritySummary, round_.id)
    if stored is not None and stored.watermark == mark and not force:
        return False
    instrument = catalogue.get(round_.form_code).instrument
    tree = await load_tree(session)
    policy = policy_of(round_.integrity_policy)
    report = await compute_report(session, round_, instrument, tree, timezone)
    if policy.active("day_shift"):
        for unit in report["units"]:
            unit["shifted_days"] = shifted_days(policy, unit["days"])
            node = tree.by_code.get(unit["unit"])
            if node is not None:
                await _flag_days(session, round_.id, node.id, unit["shifted_days"], timezone)
    if stored is None:
        session.add(
            IntegritySummary(round_id=round_.id, as_of=utcnow(), watermark=mark, report=report)
        )
    else:
        stored.as_of, stored.watermark, stored.report = utcnow(), mark, report
    return True


async def refresh_reports(db: Database, catalogue: Catalogue, timezone: str) -> int:
    """Every open or closed round's report, where its responses changed; the count redone."""
    async with db.sessions() as session:
        rounds = list(await session.scalars(select(Round.id).where(Round.status.in_(ACTIVE))))
    done = 0
    for round_id in rounds:
        async with db.writing() as session:
            round_ = await session.get(Round, round_id)
            if round_ is not None and await refresh_round(session, round_, catalogue, timezone):
                done += 1
                log.info("integrity report refreshed", extra={"round": round_.code})
    return done


async def erase_expired(db: Database, batch: int = ERASE_BATCH) -> int:
    """Delete collection-limit state older than any window, and the device pseudonyms of
    responses whose round is published (review is over); the number of rows changed."""
    async with db.writing() as session:
        result = await session.execute(
            delete(DeviceWindow).where(DeviceWindow.last_at < utcnow() - STATE_KEPT)
        )
        erased = int(getattr(result, "rowcount", 0) or 0)
        published = select(Round.id).where(Round.status == "published")
        ids = (
            select(Response.id)
            .where(Response.device_hash.is_not(None), Response.round_id.in_(published))
            .limit(batch)
        )
        result = await session.execute(
            update(Response).where(Response.id.in_(ids)).values(device_hash=None)
        )
    return erased + int(getattr(result, "rowcount", 0) or 0)


@periodic("integrity.report", every=300.0, timeout=600.0, defer=DEFER)
async def report_task(ctx: Context) -> int:
    """Integrity reports of the rounds whose responses changed; rounds redone."""
    return await refresh_reports(ctx.db, ctx.catalogue, ctx.settings.timezone)


@periodic("integrity.erase", every=600.0, timeout=300.0)
async def erase_task(ctx: Context) -> int:
    """Expired limit state and published rounds' device pseudonyms; rows changed."""
    return await erase_expired(ctx.db)
