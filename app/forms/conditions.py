"""A small declarative condition language for showing or requiring questions; no eval.

A condition is either a test on one earlier question or a combination of conditions::

    show_if: {question: has_dossier, in: [yes]}
    show_if: {question: age, min: 18}
    show_if: {question: comment, answered: true}
    show_if: {all: [{question: a, in: [yes]}, {not: {question: b, in: ["1", "2"]}}]}

Tests compare the submitted raw values (what a browser sends; the same values the public
form's script reads), so the server and the page decide visibility identically.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Values = Mapping[str, Sequence[str]]


def canonical(value: object) -> str:
    """The raw form value a YAML scalar stands for: 4 and 4.0 are "4", "yes" stays "yes"."""
    if isinstance(value, bool):
        raise ValueError("quote yes/no/true/false values (YAML reads them as booleans)")
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    raise ValueError(f"a condition value must be a number or a string, not {value!r}")


def parse_number(raw: str) -> float | None:
    try:
        return float(raw.replace(",", ".").strip())
    except ValueError:
        return None


class Condition(BaseModel):
    """One test (``question`` + exactly one of in/not_in/min/max/answered) or all/any/not."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    question: str | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    not_in: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    answered: bool | None = None
    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    @field_validator("in_", "not_in", mode="before")
    @classmethod
    def _canonical_values(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(canonical(v) for v in value)
        return value

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        combinators = [n for n in ("all", "any", "not_") if getattr(self, n) is not None]
        tests = [n for n in ("in_", "not_in", "answered") if getattr(self, n) is not None]
        ranged = self.min is not None or self.max is not None
        if combinators:
            if len(combinators) > 1 or tests or ranged or self.question is not None:
                raise ValueError("use exactly one of all / any / not, with nothing beside it")
            if self.all == () or self.any == ():
                raise ValueError("all / any need at least one condition")
            return self
        if self.question is None:
            raise ValueError("a condition needs a question (or all / any / not)")
        if len(tests) + int(ranged) != 1:
            raise ValueError("give exactly one test: in, not_in, min/max or answered")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        return self

    def questions(self) -> Iterator[str]:
        """Every question code this condition reads."""
        if self.question is not None:
            yield self.question
        for child in (*(self.all or ()), *(self.any or ()), *((self.not_,) if self.not_ else ())):
            yield from child.questions()

    def holds(self, values: Values) -> bool:
        """Evaluate against submitted raw values (hidden questions must be absent)."""
        if self.all is not None:
            return all(c.holds(values) for c in self.all)
        if self.any is not None:
            return any(c.holds(values) for c in self.any)
        if self.not_ is not None:
            return not self.not_.holds(values)
        assert self.question is not None
        given = [v.strip() for v in values.get(self.question, ()) if v.strip()]
        if self.answered is not None:
            return bool(given) == self.answered
        if self.in_ is not None:
            return any(v in self.in_ for v in given)
        if self.not_in is not None:
            return bool(given) and not any(v in self.not_in for v in given)
        return any(self._in_range(parse_number(v)) for v in given)

    def _in_range(self, number: float | None) -> bool:
        if number is None:
            return False
        return (self.min is None or number >= self.min) and (self.max is None or number <= self.max)

    def to_json(self) -> dict[str, Any]:
        """The compact form the page's script evaluates (same keys as the YAML)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
