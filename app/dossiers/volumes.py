"""Volumes N_h that follow the dossier feed, unless the round fixes them.

For a round with ``volumes_fixed`` False and not yet published, each covered unit for which the
feed holds returned dossiers in the round's period gets N_h = its count of transactions (the
indicators' definition, app/dossiers/indicators.py) and a frame split by procedure field; units
without fed dossiers keep the volume given (CSV import, API, console). Changes go through
rounds.service.set_volume, so they are audited like any other; a run that finds nothing to
change writes nothing. Weights read N_h when they are computed, so they follow at once.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.dossiers.indicators import returned_counts
from app.models import FrameCell, Round, RoundUnit, Unit
from app.rounds.service import set_volume
from app.worker.locks import DOSSIER_VOLUMES

FEED = Actor("worker:dossier-feed")
FOLLOWING = ("draft", "open", "closed")


async def _fed_cells(session: AsyncSession, round_: Round) -> dict[int, dict[str, int]]:
    """Unit id -> {field: transactions} from the feed, for the round's covered units."""
    covered = set(
        (
            await session.scalars(select(RoundUnit.unit_id).where(RoundUnit.round_id == round_.id))
        ).all()
    )
    period = (round_.starts_on, round_.ends_on)
    found = await returned_counts(session, period, covered, "field")
    cells: dict[int, dict[str, int]] = defaultdict(dict)
    for (unit_id, field), counts in found.items():
        if counts.transactions:
            cells[unit_id][field] = counts.transactions
    for unit_id, by_field in cells.items():
        if "" in by_field and len(by_field) > 1:  # a frame is split by field for all or none
            cells[unit_id] = {"": sum(by_field.values())}
    return cells


async def _current(session: AsyncSession, round_id: int, unit_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(FrameCell.field, FrameCell.transactions).where(
            FrameCell.round_id == round_id, FrameCell.unit_id == unit_id
        )
    )
    return {field: int(n) for field, n in rows.all()}


async def follow_feed(session: AsyncSession, round_: Round) -> int:
    """Bring the round's volumes and frame in line with the feed; the units changed."""
    if round_.volumes_fixed or round_.status not in FOLLOWING:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        sql = text("SELECT pg_try_advisory_xact_lock(:c, :r)")
        if not await session.scalar(sql, {"c": DOSSIER_VOLUMES.key, "r": round_.id}):
            return 0  # another process is at it
    changed = 0
    for unit_id, by_field in sorted((await _fed_cells(session, round_)).items()):
        row = await session.get(RoundUnit, (round_.id, unit_id))
        total = sum(by_field.values())
        if await _current(session, round_.id, unit_id) == by_field and row and row.volume == total:
            continue
        await session.execute(
            delete(FrameCell).where(FrameCell.round_id == round_.id, FrameCell.unit_id == unit_id)
        )
        session.add_all(
            FrameCell(round_id=round_.id, unit_id=unit_id, field=f, transactions=n)
            for f, n in by_field.items()
        )
        await set_volume(session, FEED, round_, await session.get_one(Unit, unit_id), total)
        changed += 1
    return changed
