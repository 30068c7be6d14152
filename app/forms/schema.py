"""Typed definition of a survey instrument, validated from survey_forms/*.yaml."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Code = str


class Text(BaseModel):
    """A label in Vietnamese (required) and English (optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    vi: str = Field(min_length=1)
    en: str | None = None

    def get(self, lang: str) -> str:
        return (self.en if lang == "en" else None) or self.vi


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: int
    label: Text


class Scale(BaseModel):
    """An ordered answer scale, e.g. 1–5 satisfaction with 4 and 5 counting as satisfied."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    levels: tuple[Level, ...] = Field(min_length=2)
    satisfied: tuple[int, ...] = Field(min_length=1)
    not_applicable: Text | None = None

    @model_validator(mode="after")
    def _check(self) -> Scale:
        values = [lvl.value for lvl in self.levels]
        if len(set(values)) != len(values):
            raise ValueError("scale levels must have distinct values")
        unknown = set(self.satisfied) - set(values)
        if unknown:
            raise ValueError(f"satisfied levels {sorted(unknown)} are not levels of the scale")
        return self


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    label: Text


QuestionType = Literal["rating", "single", "multiple", "number", "text"]


class Question(BaseModel):
    """A question. ``rating`` questions are criteria: they carry an element and a stable code."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: Code = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
    type: QuestionType
    text: Text
    help: Text | None = None
    required: bool = True
    element: Code | None = None
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int = Field(default=2000, ge=1, le=10000)

    @model_validator(mode="after")
    def _check(self) -> Question:
        if self.type == "rating" and not self.element:
            raise ValueError(f"rating question {self.code} needs an element")
        if self.type != "rating" and self.element:
            raise ValueError(f"only rating questions belong to an element ({self.code})")
        if self.type in ("single", "multiple"):
            if len(self.options) < 2:
                raise ValueError(f"question {self.code} needs at least two options")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError(f"question {self.code} has duplicate option values")
        elif self.options:
            raise ValueError(f"question {self.code} of type {self.type} takes no options")
        return self


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: Code
    title: Text
    intro: Text | None = None
    questions: tuple[Question, ...] = Field(min_length=1)


class Element(BaseModel):
    """A group of criteria that is reported as one index (yếu tố)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: Code
    name: Text


AggregationRule = Literal["mean_of_criteria", "mean_of_elements"]


class Aggregation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    element: Literal["mean_of_criteria"] = "mean_of_criteria"
    overall: AggregationRule = "mean_of_criteria"


class Instrument(BaseModel):
    """A questionnaire as data: elements, criteria, scale, other questions, aggregation rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: Code = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    version: str = Field(min_length=1, max_length=32)
    title: Text
    intro: Text | None = None
    thanks: Text | None = None
    source: str | None = None
    scale: Scale
    elements: tuple[Element, ...] = Field(min_length=1)
    sections: tuple[Section, ...] = Field(min_length=1)
    aggregation: Aggregation = Aggregation()

    @model_validator(mode="after")
    def _check(self) -> Instrument:
        codes = [q.code for q in self.questions]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"duplicate question codes: {', '.join(dupes)}")
        element_codes = [e.code for e in self.elements]
        if len(set(element_codes)) != len(element_codes):
            raise ValueError("duplicate element codes")
        for q in self.criteria:
            if q.element not in element_codes:
                raise ValueError(f"criterion {q.code} names unknown element {q.element}")
        empty = [e for e in element_codes if not self.criteria_of(e)]
        if empty:
            raise ValueError(f"elements without criteria: {', '.join(empty)}")
        return self

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def criteria(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.type == "rating")

    def criteria_of(self, element: Code) -> tuple[Question, ...]:
        return tuple(q for q in self.criteria if q.element == element)
