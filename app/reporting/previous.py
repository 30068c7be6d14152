"""The previous round of an instrument family, as its responses answered it.

Definition. A round's instrument family is its form code: revisions of an instrument keep
their code and bump ``version``, and a criterion renamed in a revision names its code in
earlier versions through ``previous_codes``. The previous round is the most recent round of
the same form code that started strictly before this one and is not a draft. Its figures are
computed with the instrument version most of its responses answered (not with today's file),
so "previous" is what that round measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.forms.registry import Catalogue, RegisteredForm
from app.forms.schema import Instrument
from app.models import FormVersion, Response, Round
from app.statistics.inference import Engine
from app.statistics.load import round_engine
from app.units.service import UnitTree

_FORMS: dict[int, RegisteredForm] = {}  # form version id -> its instrument (rows never change)


@dataclass(frozen=True)
class RoundFigures:
    """The previous round with a design-based engine over its own design, weights and the
    instrument version its responses answered."""

    round: Round
    form: RegisteredForm
    engine: Engine

    @property
    def instrument(self) -> Instrument:
        return self.form.instrument

    @property
    def version(self) -> str:  # the version label its responses answered
        return self.form.version


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


async def answered_form(
    session: AsyncSession, catalogue: Catalogue, round_: Round
) -> RegisteredForm:
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
        return catalogue.get(round_.form_code)
    if row[0] not in _FORMS:
        stored = await session.get(FormVersion, row[0])
        assert stored is not None
        instrument = Instrument.model_validate(stored.definition)
        _FORMS[stored.id] = RegisteredForm(
            stored.id, instrument, stored.content_hash, stored.version
        )
    return _FORMS[row[0]]


async def round_figures(
    session: AsyncSession,
    catalogue: Catalogue,
    round_: Round,
    timezone: str,
    tree: UnitTree,
    domains: Sequence[set[int]] | None = None,
    live: bool = False,
) -> RoundFigures | None:
    """An earlier round's estimates under its own design and the instrument its responses
    answered, for ``domains`` (sets of units; None: any set); None for a round scored in
    points (a share does not compare with points).

    An instrument other than the catalogue's is computed live, so that the round's own
    maintained tallies (kept for the catalogue's version) are not rebuilt back and forth.
    """
    form = await answered_form(session, catalogue, round_)
    if form.instrument.aggregation.is_points:
        return None
    live = live or form.content_hash != catalogue.get(round_.form_code).content_hash
    engine = await round_engine(session, round_, form, timezone, tree, domains=domains, live=live)
    return RoundFigures(round_, form, engine)


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
