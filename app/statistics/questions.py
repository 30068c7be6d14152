"""Per-question statistics of a round, aggregated in the database (HTTP-free).

For each question answered in a unit's subtree: weighted frequencies of each option or level,
the number of respondents who answered (and their weight), and for numbers and percentages
the weighted mean. Weights are those of the satisfaction statistics (app.statistics.tally).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Answer
from app.statistics.tally import weighted_responses


@dataclass(frozen=True)
class Count:
    n: int
    weight: float


@dataclass
class QuestionTally:
    """Answers to one question: respondents, and counts by stored value or option."""

    respondents: Count = Count(0, 0.0)
    by_value: dict[float, Count] = field(default_factory=dict)  # levels, numbers
    by_option: dict[str, Count] = field(default_factory=dict)  # options, 'na'

    def weighted_mean(self) -> float | None:
        weight = sum(c.weight for c in self.by_value.values())
        if not weight:
            return None
        return sum(v * c.weight for v, c in self.by_value.items()) / weight

    def share(self, count: Count) -> float | None:
        """Weighted percent of the respondents to this question."""
        if not self.respondents.weight:
            return None
        return 100.0 * count.weight / self.respondents.weight


async def tally_questions(
    session: AsyncSession, round_id: int, unit_ids: Collection[int], grouped: Iterable[str]
) -> dict[str, QuestionTally]:
    """Tallies of the round's answers in ``unit_ids``; ``grouped``: questions to count by value."""
    weighted = weighted_responses(round_id).subquery("weighted")
    in_units = weighted.c.unit_id.in_(list(unit_ids))
    per_response = (
        select(Answer.question, Answer.response_id, weighted.c.weight)
        .join(weighted, weighted.c.id == Answer.response_id)
        .where(in_units)
        .distinct()
        .subquery("per_response")
    )
    tallies: dict[str, QuestionTally] = {}
    respondents = await session.execute(
        select(per_response.c.question, func.count(), func.sum(per_response.c.weight)).group_by(
            per_response.c.question
        )
    )
    for code, n, w in respondents:
        tallies[code] = QuestionTally(Count(int(n), float(w)))
    rows = await session.execute(
        select(Answer.question, Answer.value, Answer.text)
        .add_columns(func.count(), func.sum(weighted.c.weight))
        .join(weighted, weighted.c.id == Answer.response_id)
        .where(in_units, Answer.question.in_(list(grouped)))
        .group_by(Answer.question, Answer.value, Answer.text)
    )
    for code, value, text, n, w in rows:
        tally = tallies.setdefault(code, QuestionTally())
        count = Count(int(n), float(w))
        if value is not None:
            tally.by_value[float(value)] = count
        elif text is not None:
            tally.by_option[text] = count
    return tallies
