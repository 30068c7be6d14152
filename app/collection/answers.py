"""Parse and validate a submitted form against its instrument; pure functions, no I/O."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from app.forms.schema import Instrument, Question, Scale
from app.forms.visibility import visibility
from app.i18n import N_, Message

NOT_APPLICABLE = "na"


class ParsedAnswer(NamedTuple):  # a tuple: made ~20 times per submission, on the hot path
    question: str
    ordinal: int
    value: float | None
    text: str | None


def without_comment(answers: list[ParsedAnswer], free_text: Collection[str]) -> bool:
    """No free-text question is answered: the response has no comment to copy, so it is
    stored as synced and the worker's comment sync never visits it (most responses). The
    same test as app.comments.sync's, which copies non-blank texts of ordinal 0."""
    return not any(
        a.question in free_text and a.ordinal == 0 and a.text and a.text.strip(" ") for a in answers
    )


@dataclass
class Submission:
    """The outcome of parsing: answers to store, or errors per question code."""

    answers: list[ParsedAnswer] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


MSG_REQUIRED = N_("Xin Ông/Bà trả lời câu này.")
MSG_CHOICE = N_("Xin Ông/Bà chọn một trong các ý của câu này.")
MSG_NUMBER = N_("Xin Ông/Bà ghi một con số.")
MSG_DATE = N_("Xin Ông/Bà ghi ngày theo dạng ngày/tháng/năm.")
MSG_NOT_APPLICABLE = N_("Theo câu trả lời trước, Ông/Bà không cần trả lời câu này.")


def clean_text(raw: str) -> str:
    """Drop control characters (keep newlines and tabs), normalise to NFC, trim."""
    kept = "".join(ch for ch in raw if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return unicodedata.normalize("NFC", kept).strip()


_BUILT: dict[int, tuple[object, Any]] = {}


def _once(model: object, build: Callable[[], Any]) -> Any:
    """``build()`` computed once per immutable model (a scale, an instrument), keyed by
    identity: hashing a model walks all its fields."""
    found = _BUILT.get(id(model))
    if found is None or found[0] is not model:
        found = _BUILT[id(model)] = (model, build())
    return found[1]


def _levels(scale: Scale) -> dict[str, float]:
    """The submitted text of each level of a scale and its value."""
    levels: dict[str, float] = _once(
        scale, lambda: {str(v.value): float(v.value) for v in scale.levels}
    )
    return levels


def _parse_rating(instrument: Instrument, q: Question, raw: str) -> ParsedAnswer | str:
    if raw == NOT_APPLICABLE and instrument.not_applicable_label(q) is not None:
        return ParsedAnswer(q.code, 0, None, NOT_APPLICABLE)
    value = _levels(instrument.scale_of(q)).get(raw)
    if value is None:
        return MSG_CHOICE
    return ParsedAnswer(q.code, 0, value, None)


def _parse_number(q: Question, raw: str) -> ParsedAnswer | str:
    try:
        number = float(raw.replace(",", "."))
    except ValueError:
        return MSG_NUMBER
    if not math.isfinite(number):
        return MSG_NUMBER
    low, high = q.bounds
    if (low is not None and number < low) or (high is not None and number > high):
        start = "" if low is None else f"{low:g}"
        end = "" if high is None else f"{high:g}"
        return Message("Xin Ông/Bà ghi một số từ %(start)s đến %(end)s.", start=start, end=end)
    return ParsedAnswer(q.code, 0, number, None)


def _parse_date(q: Question, raw: str) -> ParsedAnswer | str:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return MSG_DATE
    return ParsedAnswer(q.code, 0, None, day.isoformat())


def _parse_scalar(instrument: Instrument, q: Question, raw: str) -> ParsedAnswer | str:
    if q.type == "rating":
        return _parse_rating(instrument, q, raw)
    if q.type in ("number", "percent"):
        return _parse_number(q, raw)
    if q.type == "date":
        return _parse_date(q, raw)
    if raw in {o.value for o in q.options}:
        return ParsedAnswer(q.code, 0, None, raw)
    return MSG_CHOICE


def _parse_one(
    instrument: Instrument, q: Question, values: Sequence[str], required: bool
) -> list[ParsedAnswer] | str:
    if q.type == "text":
        text = clean_text(values[0]) if values else ""
        if len(text) > q.max_length:
            return Message("Xin Ông/Bà viết ngắn lại, không quá %(n)s ký tự.", n=q.max_length)
        if not text:
            return MSG_REQUIRED if required else []
        return [ParsedAnswer(q.code, 0, None, text)]
    present = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if not present:
        return MSG_REQUIRED if required else []
    if q.type == "multiple":
        allowed = {o.value for o in q.options}
        if any(v not in allowed for v in present):
            return MSG_CHOICE
        return [ParsedAnswer(q.code, i, None, v) for i, v in enumerate(present)]
    if len(present) > 1:
        return MSG_CHOICE
    parsed = _parse_scalar(instrument, q, present[0])
    return parsed if isinstance(parsed, str) else [parsed]


_Step = tuple[Question, dict[str, float] | None, bool]


def _plan(instrument: Instrument) -> list[_Step]:
    """Per question, in form order: the levels of a rating question (else None) and whether
    it offers N/A; worked out once per instrument."""

    def build() -> list[_Step]:
        return [
            (q, _levels(instrument.scale_of(q)), instrument.not_applicable_label(q) is not None)
            if q.type == "rating"
            else (q, None, False)
            for q in instrument.questions
        ]

    steps: list[_Step] = _once(instrument, build)
    return steps


def parse_submission(instrument: Instrument, form: Mapping[str, Sequence[str]]) -> Submission:
    """Validate every question of the instrument; unknown fields are ignored.

    Conditions are evaluated here, so the outcome never depends on the page's script: an
    answer to a question that does not apply is an error, and so is a missing answer to a
    required question that does.
    """
    result = Submission()
    shown = visibility(instrument, form)
    for q, levels, offers_na in _plan(instrument):
        values = form.get(q.code, ())
        visible, required = shown[q.code]
        if not visible:
            if any(v.strip() for v in values):
                result.errors[q.code] = MSG_NOT_APPLICABLE
            continue
        if levels is not None and len(values) == 1 and (raw := values[0].strip()):
            # The common case, one rating given: _parse_one's outcome, without its generality.
            if (value := levels.get(raw)) is not None:
                result.answers.append(ParsedAnswer(q.code, 0, value, None))
            elif raw == NOT_APPLICABLE and offers_na:
                result.answers.append(ParsedAnswer(q.code, 0, None, NOT_APPLICABLE))
            else:
                result.errors[q.code] = MSG_CHOICE
            continue
        outcome = _parse_one(instrument, q, values, required)
        if isinstance(outcome, str):
            result.errors[q.code] = outcome
        else:
            result.answers.extend(outcome)
    return result
