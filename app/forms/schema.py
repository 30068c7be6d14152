"""Typed definition of a survey instrument, validated from survey_forms/*.yaml.

Cross-references (codes, conditions, scales, weights) are checked in app.forms.checks, with
the location of each problem, so that ``sipas forms check`` can point at the line.

Fields added after the first instrument shipped are left out of the serialised definition
while unset (``exclude_if``), so an instrument that does not use them keeps its content hash.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.forms.conditions import Condition, canonical
from app.forms.method import Method

Code = str
M = TypeVar("M", bound=BaseModel)


def _unset(value: Any) -> bool:
    return value is None or value == () or value == {}


def Extra(default: Any = None, **kwargs: Any) -> Any:
    """A field added after the first release: omitted from the definition while unset."""
    return Field(default=default, exclude_if=_unset, **kwargs)


def _rebuilt(model: M, **changes: Any) -> M:
    """A validated copy with some fields changed (not ``model_copy``: it would carry the
    original's cached properties over)."""
    fields = {name: getattr(model, name) for name in type(model).model_fields}
    return type(model).model_validate(fields | changes)


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
    """An ordered answer scale: 1–5 satisfaction (4, 5 satisfied), 2/1/0 points, priorities..."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    levels: tuple[Level, ...] = Field(min_length=2)
    satisfied: tuple[int, ...] = ()
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

    def value_strings(self) -> set[str]:
        return {str(level.value) for level in self.levels}


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    label: Text


QuestionType = Literal["rating", "single", "multiple", "number", "percent", "text", "date"]
CHOICE_TYPES = ("single", "multiple")
NUMERIC_TYPES = ("number", "percent")


class Followup(BaseModel):
    """An optional "why?" text asked right after a low answer (the kiosk pattern)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    text: Text
    when: tuple[str, ...] = Field(min_length=1, description="answers that open the follow-up")
    max_length: int = Field(default=500, ge=1, le=10000)

    @model_validator(mode="before")
    @classmethod
    def _canonical(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("when"), list):
            return {**data, "when": [canonical(v) for v in data["when"]]}
        return data


class Question(BaseModel):
    """A question. ``rating`` questions with an ``element`` are criteria (stable codes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: Code = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,59}$")
    type: QuestionType
    text: Text
    help: Text | None = None
    required: bool = True
    element: Code | None = None
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int = Field(default=2000, ge=1, le=10000)
    scale: Code | None = Extra(description="a named scale; default: the instrument's scale")
    not_applicable: bool | None = Extra(description="offer N/A; default: if the scale has one")
    show_if: Condition | None = Extra()
    require_if: Condition | None = Extra()
    followup: Followup | None = Extra()
    previous_codes: dict[str, Code] = Extra(
        {}, description="earlier version (or earlier instrument of the family) → code there"
    )
    answered_by: Literal["system"] | None = Extra(
        description="'system': taken from the one-stop e-system, not asked of the respondent"
    )

    @model_validator(mode="after")
    def _check(self) -> Question:
        if self.element and self.type != "rating":
            raise ValueError(f"only rating questions belong to an element ({self.code})")
        if self.type in CHOICE_TYPES:
            if len(self.options) < 2:
                raise ValueError(f"question {self.code} needs at least two options")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError(f"question {self.code} has duplicate option values")
        elif self.options:
            raise ValueError(f"question {self.code} of type {self.type} takes no options")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"question {self.code}: min is larger than max")
        if (self.min is not None or self.max is not None) and self.type not in NUMERIC_TYPES:
            raise ValueError(f"question {self.code}: min/max only apply to number and percent")
        if self.scale and self.type != "rating":
            raise ValueError(f"question {self.code}: only rating questions take a scale")
        if self.followup and self.type not in ("rating", "single"):
            raise ValueError(f"question {self.code}: a follow-up needs a rating or single choice")
        return self

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """Allowed range; a percentage defaults to 0–100."""
        if self.type == "percent":
            return (0.0 if self.min is None else self.min, 100.0 if self.max is None else self.max)
        return self.min, self.max

    def followup_question(self) -> Question | None:
        """The follow-up as a question of its own (code ``<code>_why``), shown after ``when``."""
        if self.followup is None:
            return None
        return Question(
            code=f"{self.code}_why",
            type="text",
            text=self.followup.text,
            required=False,
            max_length=self.followup.max_length,
            show_if=Condition(question=self.code, in_=self.followup.when),
        )


class Section(BaseModel):
    """A block of questions, possibly shown only under a condition on earlier answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: Code
    title: Text
    intro: Text | None = None
    questions: tuple[Question, ...] = Field(min_length=1)
    show_if: Condition | None = Extra()
    stem: Text | None = Extra(description="the question the section's rating items answer")

    @cached_property
    def items(self) -> tuple[Question, ...]:
        """The questions as asked, each followed by its follow-up if it has one."""
        out: list[Question] = []
        for q in self.questions:
            out.append(q)
            extra = q.followup_question()
            if extra is not None:
                out.append(extra)
        return tuple(out)


class Element(BaseModel):
    """A group of criteria that is reported as one index (yếu tố)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: Code
    name: Text


class Domain(BaseModel):
    """A published index over some elements (SIPAS 2023: policy and services), same rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: Code
    name: Text
    elements: tuple[Code, ...] = Field(min_length=1)


OverallRule = Literal[
    "mean_of_criteria", "mean_of_elements", "weighted_elements", "pooled", "points_with_classes"
]


class ScoreClass(BaseModel):
    """A class of a points total: reached at ``min`` or more; the last class has no min."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float | None = None
    label: Text


class Aggregation(BaseModel):
    """How criteria combine: shares (means, weights) or points with classes (TT 01/2018)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # pooled: Σ satisfied / Σ answered over the criteria (a ratio), app.statistics.pooled
    element: Literal["mean_of_criteria", "pooled"] = "mean_of_criteria"
    overall: OverallRule = "mean_of_criteria"
    weights: dict[Code, float] = Extra({}, description="element → weight (weighted_elements)")
    classes: tuple[ScoreClass, ...] = Extra((), description="best first (points_with_classes)")
    decimals: int | None = Extra(description="rounding of each criterion's mean points")

    @property
    def is_points(self) -> bool:
        return self.overall == "points_with_classes"


class Instrument(BaseModel):
    """A questionnaire as data: elements, criteria, scales, other questions, aggregation rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: Code = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    version: str = Field(min_length=1, max_length=23)
    title: Text
    intro: Text | None = None
    thanks: Text | None = None
    source: str | None = None
    method: Method | None = Extra(description="official, adapted or internal; its source")
    scale: Scale
    scales: dict[Code, Scale] = Extra({}, description="named scales for single questions")
    elements: tuple[Element, ...] = Field(min_length=1)
    domains: tuple[Domain, ...] = Extra((), description="indices over groups of elements")
    sections: tuple[Section, ...] = Field(min_length=1)
    aggregation: Aggregation = Aggregation()

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.items)

    @cached_property
    def criteria(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.type == "rating" and q.element)

    @cached_property
    def asked(self) -> Instrument:
        """The form as the respondent sees and submits it: without the questions the system
        answers (``answered_by: system``, TT 01/2018's e-system indicators), and without a
        section left empty by that. The instrument itself when it has none. Staff imports
        (app/imports) take the whole instrument, system answers included."""
        if not any(q.answered_by == "system" for q in self.questions):
            return self
        sections = []
        for section in self.sections:
            kept = tuple(q for q in section.questions if q.answered_by != "system")
            if kept:
                same = len(kept) == len(section.questions)
                sections.append(section if same else _rebuilt(section, questions=kept))
        return _rebuilt(self, sections=tuple(sections))

    def criteria_of(self, element: Code) -> tuple[Question, ...]:
        return tuple(q for q in self.criteria if q.element == element)

    def names(self, lang: str) -> dict[str, str]:
        """Code → name in ``lang`` of every element and criterion."""
        found = {e.code: e.name.get(lang) for e in self.elements}
        return found | {q.code: q.text.get(lang) for q in self.criteria}

    def scale_of(self, question: Question) -> Scale:
        """The question's own scale, else the instrument's."""
        return self.scales.get(question.scale, self.scale) if question.scale else self.scale

    def not_applicable_label(self, question: Question) -> Text | None:
        """The N/A choice offered for a rating question, or None when there is none."""
        if question.not_applicable is False:
            return None
        return self.scale_of(question).not_applicable
