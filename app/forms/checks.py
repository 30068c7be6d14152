"""Cross-reference checks of an instrument, each problem with its location in the file."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from app.forms.conditions import Condition
from app.forms.fidelity import method_problems
from app.forms.problems import Loc, Problem
from app.forms.schema import Instrument, Question

__all__ = ["Loc", "Problem", "find_problems"]


def find_problems(instrument: Instrument) -> list[Problem]:
    """Every problem the typed models cannot see alone: codes, references, conditions."""
    return [
        *_duplicate_codes(instrument),
        *_elements(instrument),
        *_scales(instrument),
        *_conditions(instrument),
        *_aggregation(instrument),
        *_domains(instrument),
        *method_problems(instrument),
    ]


def _question_locs(instrument: Instrument) -> Iterator[tuple[Loc, Question]]:
    for s, section in enumerate(instrument.sections):
        for i, q in enumerate(section.questions):
            yield ("sections", s, "questions", i), q
            extra = q.followup_question()
            if extra is not None:
                yield ("sections", s, "questions", i, "followup"), extra


def _duplicate_codes(instrument: Instrument) -> Iterator[Problem]:
    seen: set[str] = set()
    for loc, q in _question_locs(instrument):
        if q.code in seen:
            yield Problem((*loc, "code"), f"duplicate question code {q.code!r}")
        seen.add(q.code)
    groups = {
        "section": [s.code for s in instrument.sections],
        "element": [e.code for e in instrument.elements],
    }
    for kind, codes in groups.items():
        for i, code in enumerate(codes):
            if code in codes[:i]:
                yield Problem((f"{kind}s", i, "code"), f"duplicate {kind} code {code!r}")


def _elements(instrument: Instrument) -> Iterator[Problem]:
    known = {e.code for e in instrument.elements}
    for loc, q in _question_locs(instrument):
        if q.element and q.element not in known:
            yield Problem((*loc, "element"), f"criterion {q.code} names unknown element")
    for i, element in enumerate(instrument.elements):
        if not instrument.criteria_of(element.code):
            yield Problem(("elements", i), f"element {element.code!r} has no criteria")


def _scales(instrument: Instrument) -> Iterator[Problem]:
    points = instrument.aggregation.is_points
    for loc, q in _question_locs(instrument):
        if q.scale and q.scale not in instrument.scales:
            yield Problem((*loc, "scale"), f"unknown scale {q.scale!r}")
            continue
        if q.type != "rating":
            continue
        scale = instrument.scale_of(q)
        if q.not_applicable and scale.not_applicable is None:
            yield Problem((*loc, "not_applicable"), "the scale has no not_applicable label")
        if q.element and not points and not scale.satisfied:
            yield Problem(loc, f"criterion {q.code}: its scale declares no satisfied levels")
        if q.followup and not set(q.followup.when) <= scale.value_strings():
            yield Problem((*loc, "followup", "when"), "values that are not levels of the scale")
    for loc, q in _question_locs(instrument):
        if q.followup and q.type == "single":
            options = {o.value for o in q.options}
            if not set(q.followup.when) <= options:
                yield Problem((*loc, "followup", "when"), "values that are not options")


def _answer_values(instrument: Instrument, q: Question) -> set[str] | None:
    """The raw values a question can send, or None when open (numbers, text, dates)."""
    if q.type == "rating":
        values = instrument.scale_of(q).value_strings()
        return values | {"na"} if instrument.not_applicable_label(q) else values
    if q.type in ("single", "multiple"):
        return {o.value for o in q.options}
    return None


def _check_condition(
    instrument: Instrument, cond: Condition, earlier: dict[str, Question], loc: Loc
) -> Iterator[Problem]:
    for key, children in (("all", cond.all), ("any", cond.any)):
        for i, child in enumerate(children or ()):
            yield from _check_condition(instrument, child, earlier, (*loc, key, i))
    if cond.not_ is not None:
        yield from _check_condition(instrument, cond.not_, earlier, (*loc, "not"))
    if cond.question is None:
        return
    target = earlier.get(cond.question)
    if target is None:
        known = {q.code for q in instrument.questions}
        where = "a later question" if cond.question in known else "an unknown question"
        yield Problem((*loc, "question"), f"refers to {where}: {cond.question!r}")
        return
    allowed = _answer_values(instrument, target)
    listed = set(cond.in_ or ()) | set(cond.not_in or ())
    if allowed is not None and listed - allowed:
        bad = ", ".join(sorted(listed - allowed))
        yield Problem(loc, f"{bad} cannot be an answer to {cond.question!r}")
    ranged = cond.min is not None or cond.max is not None
    if ranged and target.type not in ("number", "percent", "rating"):
        yield Problem(loc, f"min/max need a numeric question; {cond.question!r} is not")


def _conditions(instrument: Instrument) -> Iterator[Problem]:
    earlier: dict[str, Question] = {}
    for s, section in enumerate(instrument.sections):
        if section.show_if is not None:
            yield from _check_condition(
                instrument, section.show_if, earlier, ("sections", s, "show_if")
            )
        for loc, q in _question_locs(instrument):
            if loc[1] != s:
                continue
            for key in ("show_if", "require_if"):
                cond = getattr(q, key)
                if cond is not None and "followup" not in loc:
                    yield from _check_condition(instrument, cond, earlier, (*loc, key))
            if q.require_if is not None and q.required:
                yield Problem((*loc, "require_if"), "the question is always required already")
            earlier[q.code] = q


def _aggregation(instrument: Instrument) -> Iterator[Problem]:
    rule = instrument.aggregation
    loc: Loc = ("aggregation",)
    elements = {e.code for e in instrument.elements}
    if rule.overall == "weighted_elements":
        if set(rule.weights) != elements:
            yield Problem((*loc, "weights"), "give one weight for every element, and only those")
        if any(w <= 0 for w in rule.weights.values()):
            yield Problem((*loc, "weights"), "weights must be positive")
    elif rule.weights:
        yield Problem((*loc, "weights"), "weights apply only to weighted_elements")
    if rule.is_points:
        mins = [c.min for c in rule.classes]
        if len(mins) < 2 or mins[-1] is not None or any(m is None for m in mins[:-1]):
            yield Problem((*loc, "classes"), "give classes best first; only the last has no min")
        elif any(a <= b for a, b in pairwise(m for m in mins if m is not None)):
            yield Problem((*loc, "classes"), "class minimums must decrease")
    elif rule.classes or rule.decimals is not None:
        yield Problem(loc, "classes and decimals apply only to points_with_classes")


def _domains(instrument: Instrument) -> Iterator[Problem]:
    known = {e.code for e in instrument.elements}
    seen: set[str] = set()
    for i, domain in enumerate(instrument.domains):
        for code in domain.elements:
            if code not in known:
                yield Problem(("domains", i, "elements"), f"unknown element {code!r}")
            elif code in seen:
                yield Problem(("domains", i, "elements"), f"element {code!r} is in two domains")
            seen.add(code)
    if instrument.domains and instrument.aggregation.is_points:
        yield Problem(("domains",), "domains apply to satisfaction shares, not to points")
