"""``parse_submission`` for many rows of one instrument (imports): the same outcome, row for
row, computed once per distinct input rather than once per row.

A row is an import file's cells: one string per question code (a multiple-choice answer
lists its options separated by ";"), read as the form submits them. Which questions apply
depends only on the cells the instrument's conditions read (a few questions at most), so
visibility is kept per distinct tuple of those cells; a question's outcome depends only on its
own cell and on whether it applies and must be answered, so it is kept per (applies, required)
and cell. A file of 100,000 rows has a handful of distinct values per rating column, so
nearly every row is one dictionary look-up per question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.collection.answers import MSG_NOT_APPLICABLE, ParsedAnswer, Submission, _parse_one
from app.forms.schema import Instrument, Question
from app.forms.visibility import Shown, visibility

MAX_KEPT = 5_000  # distinct cells kept per question and state (free text rarely repeats)
Outcome = tuple[ParsedAnswer, ...] | str
Kept = dict[str, Outcome]
State = tuple[Shown, Kept]


def form_values(q: Question, raw: str) -> list[str]:
    """The values the web form would submit for this cell (none when it is empty)."""
    if not raw:
        return []
    return [v.strip() for v in raw.split(";")] if q.type == "multiple" else [raw]


def _read_by_conditions(instrument: Instrument) -> tuple[str, ...]:
    """Every question code a section's or question's condition reads."""
    codes: set[str] = set()
    for section in instrument.sections:
        items = [c for q in section.items for c in (q.show_if, q.require_if)]
        for condition in (section.show_if, *items):
            if condition is not None:
                codes.update(condition.questions())
    return tuple(sorted(codes))


class BulkParser:
    """Parses rows of one instrument as ``parse_submission`` parses the form they stand for."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.questions = instrument.questions
        read = _read_by_conditions(instrument)
        self.read = tuple(q for q in self.questions if q.code in read)
        # per visibility key: each question's state and its table of outcomes (form order)
        self._states: dict[tuple[str, ...], tuple[State, ...]] = {}
        self._kept: dict[tuple[str, Shown], Kept] = {}

    def _states_for(self, row: Mapping[str, str]) -> tuple[State, ...]:
        key = tuple(row.get(q.code, "") for q in self.read)
        states = self._states.get(key)
        if states is None:
            form = {q.code: form_values(q, row.get(q.code, "")) for q in self.read}
            shown = visibility(self.instrument, form)
            states = tuple(
                (shown[q.code], self._kept.setdefault((q.code, shown[q.code]), {}))
                for q in self.questions
            )
            if len(self._states) < MAX_KEPT:
                self._states[key] = states
        return states

    def parse_row(self, row: Mapping[str, str]) -> Submission:
        """The same Submission as ``parse_submission`` of the form the row stands for."""
        result = Submission()
        answers = result.answers
        for q, (shown, kept) in zip(self.questions, self._states_for(row), strict=True):
            raw = row.get(q.code, "")
            outcome = kept.get(raw)
            if outcome is None:
                outcome = self._outcome(q, shown, raw)
                if len(kept) < MAX_KEPT:
                    kept[raw] = outcome
            if isinstance(outcome, tuple):
                answers.extend(outcome)
            else:
                result.errors[q.code] = outcome
        return result

    def _outcome(self, q: Question, shown: Shown, raw: str) -> Outcome:
        values: Sequence[str] = form_values(q, raw)
        if not shown.visible:
            return MSG_NOT_APPLICABLE if any(v.strip() for v in values) else ()
        parsed = _parse_one(self.instrument, q, values, shown.required)
        return parsed if isinstance(parsed, str) else tuple(parsed)
