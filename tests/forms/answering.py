"""A complete, valid set of raw answers for any instrument, following its conditions."""

from __future__ import annotations

from app.forms.schema import Instrument, Question
from app.forms.visibility import visibility

Raw = dict[str, list[str]]


def default_answer(instrument: Instrument, q: Question) -> list[str]:
    """A plausible answer: the best level, the first option, a number inside the range."""
    if q.type == "rating":
        scale = instrument.scale_of(q)
        best = max(scale.satisfied) if scale.satisfied else scale.levels[0].value
        return [str(best)]
    if q.type in ("single", "multiple"):
        return [q.options[0].value]
    if q.type in ("number", "percent"):
        low, high = q.bounds
        value = 30.0 if low is None else low + 12
        return [f"{min(value, high) if high is not None else value:g}"]
    if q.type == "date":
        return ["2025-06-15"]
    return ["Tốt"]


def fill(instrument: Instrument, overrides: dict[str, list[str] | None] | None = None) -> Raw:
    """Answer every question that applies, in order; ``overrides`` set or (None) omit answers."""
    overrides = overrides or {}
    raw: Raw = {}
    for q in instrument.questions:
        if not visibility(instrument, raw)[q.code].visible:
            continue
        if q.code in overrides:
            given = overrides[q.code]
            if given is not None:
                raw[q.code] = given
        elif q.required or q.type != "text":
            raw[q.code] = default_answer(instrument, q)
    return raw
