"""Answers as people read them (labels from the instrument version answered) and as CSV cells.

Free text is masked in both (app.comments.masking): personal data never leaves by default.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Protocol

from app.comments.masking import mask
from app.forms.schema import Instrument, Question
from app.responses.schemas import AnswerOut

NOT_APPLICABLE = "na"


class AnswerRow(Protocol):
    """An answer as an ORM object or a plain result row (exports read rows: much faster)."""

    @property
    def question(self) -> str: ...
    @property
    def ordinal(self) -> int: ...
    @property
    def value(self) -> float | None: ...
    @property
    def text(self) -> str | None: ...


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _shown(instrument: Instrument, q: Question, rows: Sequence[AnswerRow], lang: str) -> str:
    first = rows[0]
    if q.type == "rating":
        if first.value is None:
            label = instrument.not_applicable_label(q)
            return label.get(lang) if label else NOT_APPLICABLE
        levels = {lvl.value: lvl.label.get(lang) for lvl in instrument.scale_of(q).levels}
        return f"{_number(first.value)} — {levels.get(int(first.value), '')}".rstrip(" —")
    if q.type in ("single", "multiple"):
        options = {o.value: o.label.get(lang) for o in q.options}
        return "; ".join(options.get(r.text or "", r.text or "") for r in rows)
    if q.type in ("number", "percent"):
        return _number(first.value)
    if q.type == "text":
        return mask(first.text or "")
    return first.text or ""


def group(answers: Iterable[AnswerRow]) -> dict[str, list[AnswerRow]]:
    grouped: dict[str, list[AnswerRow]] = defaultdict(list)
    for answer in sorted(answers, key=lambda a: (a.question, a.ordinal)):
        grouped[answer.question].append(answer)
    return grouped


def present(
    instrument: Instrument, answers: Iterable[AnswerRow], lang: str, comments: dict[str, int]
) -> list[AnswerOut]:
    """Answers in the instrument's order, each with its question text and a readable value."""
    grouped = group(answers)
    shown = []
    for q in instrument.questions:
        rows = grouped.pop(q.code, None)
        if rows:
            value = _shown(instrument, q, rows, lang)
            shown.append(
                AnswerOut(
                    question=q.code,
                    label=q.text.get(lang),
                    type=q.type,
                    value=value,
                    comment_id=comments.get(q.code),
                )
            )
    for code, rows in grouped.items():  # not in this version (should not happen): shown raw
        shown.append(AnswerOut(question=code, label=code, type="unknown", value=cell(rows, True)))
    return shown


def cell(rows: Sequence[AnswerRow], free_text: bool, unmasked: bool = False) -> str:
    """A CSV cell: rating or number as a number, N/A as 'na', options joined by ';', text."""
    if rows[0].value is not None:
        return _number(rows[0].value)
    values = [r.text or "" for r in rows]
    joined = ";".join(values)
    return joined if unmasked or not free_text else mask(joined)
