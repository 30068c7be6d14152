"""A response's own score for the ``response.low_score`` event: the share (percent) of the
criteria it rated at a satisfied level (4 or 5 on the usual scale; each criterion's own scale
decides), "not applicable" answers left out, as the index counts them. Instruments scored in
points (TT 01/2018) have no such share: their responses raise no low-score event."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.forms.registry import Catalogue
from app.models import Answer
from app.statistics.cells import Spec


def spec_of(catalogue: Catalogue, form_code: str) -> Spec | None:
    """The criteria and satisfied levels of a round's instrument; None when scored in points."""
    instrument = catalogue.get(form_code).instrument
    return None if instrument.aggregation.is_points else Spec.of(instrument)


async def response_scores(
    session: AsyncSession, catalogue: Catalogue, rows: Sequence[tuple[int, str]]
) -> dict[int, tuple[float, int]]:
    """(score in percent, criteria answered) of each (response id, form code) that rated at
    least one criterion of a share-scored instrument."""
    specs = {code: spec_of(catalogue, code) for code in {form for _, form in rows}}
    wanted = {rid: specs[form] for rid, form in rows if specs[form] is not None}
    if not wanted:
        return {}
    criteria = {c for spec in wanted.values() if spec for c in spec.criteria}
    answered: dict[int, int] = defaultdict(int)
    satisfied: dict[int, int] = defaultdict(int)
    found = await session.execute(
        select(Answer.response_id, Answer.question, Answer.value).where(
            Answer.response_id.in_(list(wanted)),
            Answer.question.in_(sorted(criteria)),
            Answer.value.is_not(None),
        )
    )
    for rid, question, value in found:
        spec = wanted[rid]
        if spec is None or value is None or question not in spec.satisfied:
            continue
        answered[rid] += 1
        satisfied[rid] += float(value) in spec.satisfied[question]
    return {rid: (100.0 * satisfied[rid] / n, n) for rid, n in answered.items()}
