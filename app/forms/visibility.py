"""Which questions apply to a respondent, given the answers submitted so far.

Evaluated in form order: a condition only reads earlier questions, and a question that does
not apply counts as unanswered for the conditions after it (the page's script, which sends
nothing for hidden questions, decides the same way).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from app.forms.conditions import Values
from app.forms.schema import Instrument


class Shown(NamedTuple):  # a tuple: one per question and submission, on the hot path
    visible: bool
    required: bool


def visibility(instrument: Instrument, values: Values) -> dict[str, Shown]:
    """Per question code: does it apply, and must it be answered."""
    out: dict[str, Shown] = {}
    seen: dict[str, Sequence[str]] = {}
    for section in instrument.sections:
        section_visible = section.show_if is None or section.show_if.holds(seen)
        for q in section.items:
            visible = section_visible and (q.show_if is None or q.show_if.holds(seen))
            required = visible and (
                q.required or (q.require_if is not None and q.require_if.holds(seen))
            )
            out[q.code] = Shown(visible, required)
            seen[q.code] = values.get(q.code, ()) if visible else ()
    return out
