"""The previous round of an instrument family, as its responses answered it.

Definition. A round's instrument family is its form code: revisions of an instrument keep
their code and bump ``version``, and a criterion renamed in a revision names its code in
earlier versions through ``previous_codes``. The previous round is the most recent round of
the same form code that started strictly before this one and is not a draft. Its figures are
computed with the instrument version most of its responses answered (not with today's file),
so "previous" is what that round measured.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.forms.registry import Catalogue
from app.forms.schema import Instrument
from app.models import FormVersion, Response, Round
from app.statistics.tally import RoundTally, tally_round

_INSTRUMENTS: dict[int, Instrument] = {}  # form version id -> instrument (rows never change)


@dataclass(frozen=True)
class RoundFigures:
    round: Round
    instrument: Instrument
    version: str  # the version label its responses answered
    tally: RoundTally


async def earlier_rounds(session: AsyncSession, round_: Round, limit: int) -> list[Round]:
    """Rounds of the same form code that started before this one and are not drafts, most
    recent first (at most ``limit``)."""
    stmt = (
        select(Round)
        .where(
            Round.form_code == round_.form_code,
            Round.starts_on < round_.starts_on,
            Round.status != "draft",
        )
        .order_by(Round.starts_on.desc(), Round.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def previous_round(session: AsyncSession, round_: Round) -> Round | None:
    found = await earlier_rounds(session, round_, 1)
    return found[0] if found else None


async def answered_instrument(
    session: AsyncSession, catalogue: Catalogue, round_: Round
) -> tuple[Instrument, str]:
    """The instrument version most of the round's responses answered (the catalogue's if none)."""
    n = func.count()
    row = (
        await session.execute(
            select(Response.form_version_id, n)
            .where(Response.round_id == round_.id)
            .group_by(Response.form_version_id)
            .order_by(n.desc(), Response.form_version_id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        registered = catalogue.get(round_.form_code)
        return registered.instrument, registered.version
    stored = await session.get(FormVersion, row[0])
    assert stored is not None
    if stored.id not in _INSTRUMENTS:
        _INSTRUMENTS[stored.id] = Instrument.model_validate(stored.definition)
    return _INSTRUMENTS[stored.id], stored.version


async def share_tally(session: AsyncSession, round_id: int, instrument: Instrument) -> RoundTally:
    """The round's per-(unit, criterion) sums with each criterion's own satisfied levels."""
    satisfied = {q.code: instrument.scale_of(q).satisfied for q in instrument.criteria}
    return await tally_round(session, round_id, list(satisfied), satisfied)


async def previous_figures(
    session: AsyncSession, catalogue: Catalogue, round_: Round
) -> RoundFigures | None:
    """The previous round's tallies under its own instrument; None if there is none (or it
    is scored in points while this one is a share, which do not compare)."""
    earlier = await previous_round(session, round_)
    if earlier is None:
        return None
    instrument, version = await answered_instrument(session, catalogue, earlier)
    if instrument.aggregation.is_points:
        return None
    return RoundFigures(
        earlier, instrument, version, await share_tally(session, earlier.id, instrument)
    )


def criterion_codes(current: Instrument, previous: RoundFigures) -> dict[str, str]:
    """Current criterion code -> its code in the previous round's instrument.

    ``previous_codes`` is looked up by the previous version label, then by that label without
    a "+hash" suffix; otherwise a criterion keeps its code. Criteria new in this version map
    to nothing.
    """
    earlier = {q.code for q in previous.instrument.criteria}
    base = previous.version.split("+", 1)[0]
    found = {}
    for q in current.criteria:
        code = q.previous_codes.get(previous.version) or q.previous_codes.get(base) or q.code
        if code in earlier:
            found[q.code] = code
    return found
