"""Response-rate accounting of a round: per unit and stratum, from frame to valid responses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Quota, Response, Round, RoundUnit, SampleSelection, Unit
from app.sampling.draws import latest_draw_id
from app.sampling.invitations import invitation_counts

Key = tuple[int, str | None]  # (unit id, stratum); stratum None = the whole unit


@dataclass
class Tally:
    selected: int = 0
    invited: int = 0
    redeemed: int = 0
    responded: int = 0
    valid: int = 0
    over_quota: int = 0

    def add(self, other: Tally) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class StratumRow:
    unit_id: int | None
    code: str | None
    name: str | None
    stratum: str | None
    frame_n: int | None
    tally: Tally = field(default_factory=Tally)
    quota: Quota | None = None

    @property
    def response_rate(self) -> float | None:
        """Percent of issued invitations that were answered (None before any is issued)."""
        if not self.tally.invited:
            return None
        return round(100 * self.tally.redeemed / self.tally.invited, 2)


async def selected_counts(session: AsyncSession, round_id: int) -> dict[Key, int]:
    """Dossiers selected by the round's latest draw, per unit (the draw's strata are units)."""
    rows = await session.execute(
        select(SampleSelection.unit_id, func.count())
        .where(SampleSelection.draw_id == latest_draw_id(round_id))
        .group_by(SampleSelection.unit_id)
    )
    return {(unit_id, None): n for unit_id, n in rows}


async def _response_counts(session: AsyncSession, round_id: int) -> dict[Key, Tally]:
    valid = func.sum(case((Response.status == "valid", 1), else_=0))
    over = func.sum(case((Response.over_quota, 1), else_=0))
    stmt = (
        select(Response.unit_id, Response.stratum, func.count(), valid, over)
        .where(Response.round_id == round_id)
        .group_by(Response.unit_id, Response.stratum)
    )
    return {
        (unit, stratum): Tally(responded=n, valid=int(v or 0), over_quota=int(o or 0))
        for unit, stratum, n, v, o in await session.execute(stmt)
    }


async def _tallies(session: AsyncSession, round_id: int) -> dict[Key, Tally]:
    """Counts per (unit, stratum) exactly as stored (stratum None: responses without one)."""
    tallies: dict[Key, Tally] = defaultdict(Tally)
    for key, tally in (await _response_counts(session, round_id)).items():
        tallies[key].add(tally)
    for key, (issued, redeemed) in (await invitation_counts(session, round_id)).items():
        tallies[key].add(Tally(invited=issued, redeemed=redeemed))
    for key, selected in (await selected_counts(session, round_id)).items():
        tallies[key].add(Tally(selected=selected))
    return tallies


async def round_progress(
    session: AsyncSession, round_: Round, visible: set[int] | None
) -> tuple[list[StratumRow], StratumRow]:
    """A row per round unit (all its strata) followed by its strata; and the total.

    ``visible``: the units the caller may read (None: all).
    """
    units = await session.execute(
        select(Unit.id, Unit.code, Unit.name, RoundUnit.volume)
        .join(RoundUnit, RoundUnit.unit_id == Unit.id)
        .where(RoundUnit.round_id == round_.id)
        .order_by(Unit.code)
    )
    quotas = {
        (q.unit_id, q.stratum or None): q
        for q in await session.scalars(select(Quota).where(Quota.round_id == round_.id))
    }
    tallies = await _tallies(session, round_.id)
    rows: list[StratumRow] = []
    total = StratumRow(None, None, None, None, 0)
    for unit_id, code, name, volume in units:
        if visible is not None and unit_id not in visible:
            continue
        whole = StratumRow(unit_id, code, name, None, volume, quota=quotas.get((unit_id, None)))
        strata = sorted(s for u, s in set(tallies) | set(quotas) if u == unit_id and s)
        parts = [
            StratumRow(unit_id, code, name, s, None, tallies.get((unit_id, s), Tally()))
            for s in strata
        ]
        for part in parts:
            part.quota = quotas.get((unit_id, part.stratum))
            whole.tally.add(part.tally)
        whole.tally.add(tallies.get((unit_id, None), Tally()))
        total.tally.add(whole.tally)
        total.frame_n = None if volume is None or total.frame_n is None else total.frame_n + volume
        rows += [whole, *parts]
    return rows, total
