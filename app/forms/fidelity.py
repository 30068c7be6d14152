"""Fidelity rules: an instrument says which method it follows, and asks its ratings plainly.

``method_problems`` hold for every definition (also stored ones); ``file_problems`` are the
catalogue's policy for files (``sipas forms check``): versions stored before the policy existed
still load.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from app.forms.problems import Problem

if TYPE_CHECKING:
    from app.forms.schema import Instrument


def method_problems(instrument: Instrument) -> Iterator[Problem]:
    """A method's status agrees with its family, source and listed differences."""
    method = instrument.method
    if method is None:
        return
    loc = ("method",)
    if method.status == "internal":
        if method.family is not None:
            yield Problem((*loc, "family"), "an internal form belongs to no official family")
        titles = [instrument.title.vi, instrument.title.en or ""]
        if any("SIPAS" in t.upper() for t in titles):
            yield Problem(("title",), "an internal form must not be called SIPAS")
        return
    if method.family is None:
        yield Problem((*loc, "family"), f"an {method.status} method names its family")
    if method.source is None:
        yield Problem(loc, f"an {method.status} method cites its source")
    elif method.status == "official" and not method.source.obtained:
        yield Problem((*loc, "source"), "official needs the source text itself (obtained: true)")
    if method.status == "official" and method.differences:
        yield Problem((*loc, "differences"), "an official instrument has no differences")
    if method.status == "adapted" and not method.differences:
        yield Problem((*loc, "differences"), "list how the instrument departs from its source")


def file_problems(instrument: Instrument) -> Iterator[Problem]:
    """Policy for instrument files: a method block, and a question stem on every rating block."""
    if instrument.method is None:
        yield Problem(("method",), "declare the method: official, adapted or internal")
    for i, section in enumerate(instrument.sections):
        rated = any(q.type == "rating" for q in section.questions)
        if rated and section.stem is None:
            yield Problem(("sections", i), f"section {section.code!r}: give its question stem")


def family_mapping_problems(instruments: dict[str, Instrument]) -> Iterator[tuple[str, str]]:
    """(instrument code, problem) for previous_codes that name another instrument of the
    catalogue: it must be of the same family, and the code must be one of its criteria (for a
    criterion) or of its questions (for another question: sipas-2017-opinion's statements
    name the sipas-2017 criterion that rated the same statement)."""
    for code, instrument in instruments.items():
        family = instrument.method.family if instrument.method else None
        for q in instrument.questions:
            is_criterion = q.type == "rating" and q.element is not None
            for key, earlier in q.previous_codes.items():
                other = instruments.get(key)
                if other is None or key == code:
                    continue
                there = other.criteria if is_criterion else other.questions
                if other.method is None or other.method.family != family or family is None:
                    yield code, f"{q.code}: {key} is not of the same family"
                elif earlier not in {c.code for c in there}:
                    kind = "a criterion" if is_criterion else "a question"
                    yield code, f"{q.code}: {earlier} is not {kind} of {key}"
