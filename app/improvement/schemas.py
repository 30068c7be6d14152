"""The improvement API's JSON shapes (v1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.reporting.freshness_schemas import FreshnessOut


class Figure(BaseModel):
    """An index with its 95% interval (null when withheld or without answers)."""

    index: float | None = Field(description="Weighted share satisfied, percent")
    ci95: list[float] | None = Field(None, description="95% interval [low, high]")
    n: int = Field(0, description="Valid answers (criteria) or responses (elements)")


class PeerFigure(Figure):
    unit: str = Field(description="Code of the comparable unit (same level, same round)")


class Gains(BaseModel):
    """Overall index points gained by closing the gap to each reference (exact, see docs)."""

    target: float | None = Field(None, description="To the unit's target (null: none set)")
    province: float = Field(description="To the province's figure")
    best: float = Field(description="To the best comparable unit's figure")
    maximum: float = Field(description="To 100%")


class ChangeOut(BaseModel):
    """The change from the previous round, as the satisfaction report states it."""

    index: float | None
    delta: float | None
    significant: bool | None
    worse: bool = Field(description="Significantly lower than in the previous round")


class CommentOut(BaseModel):
    question: str
    text: str = Field(description="Masked: phone, ID and e-mail hidden")


class Gap(BaseModel):
    """One criterion's or element's gaps to the target, the province and the best peer."""

    kind: str = Field(description="criterion | element")
    code: str
    name: str
    element: str | None = None
    unit: Figure
    reliable: bool
    target: float | None = Field(None, description="The unit's overall target (percent)")
    province: Figure
    best: PeerFigure | None = None
    coefficient: float = Field(description="Overall points per point of this index")
    gains: Gains
    previous: ChangeOut | None = None
    dissatisfied: float | None = Field(
        None, description="Weighted share of valid answers in the scale's lower half, percent"
    )
    comments: list[CommentOut] = Field(default_factory=list)


class PendingFigures(BaseModel):
    """Figures the background worker has not computed yet (answered with status 202): the
    request reads no answer; the worker computes the units asked for first."""

    status: Literal["pending"] = Field("pending", description="Not computed yet: ask again")
    kind: str = Field(description="gaps | drivers")
    round: str
    unit: str
    requested_at: datetime = Field(description="When the figures were first asked for")
    as_of: None = Field(None, description="Null: no computation of these figures exists yet")
    message: str = Field(description="What to tell the reader")


class GapReport(BaseModel):
    status: Literal["ready"] = Field("ready", description="ready: computed (see freshness)")
    round: str
    unit: str
    province: str
    aggregation: str
    index: float | None = Field(description="The unit's overall index")
    target: float | None
    ranked_by: str = Field(description="target | best | province: the gain the list is ranked by")
    previous_round: str | None = None
    criteria: list[Gap]
    elements: list[Gap]
    worse: list[str] = Field(description="Criteria significantly worse than the previous round")
    freshness: FreshnessOut | None = Field(
        None,
        description="worker: as the background worker last computed it (as_of; stale: the "
        "round's figures changed since); live: computed in the request",
    )


class Driver(BaseModel):
    code: str
    name: str
    importance: float = Field(description="Shapley share of the weighted R² (sums to R²)")
    ci95: list[float] | None = Field(
        None, description="95% bootstrap interval of the importance [low, high] (see interval)"
    )
    share: float = Field(description="importance / R², 0–1")
    performance: float | None = Field(description="The criterion's index in the group, percent")
    quadrant: str = Field(description="fix_first | keep_up | low_priority | possible_overkill")


class IntervalInfo(BaseModel):
    """The importances' interval: a design-based bootstrap (docs/improvement.md)."""

    method: str
    replicates: int = Field(description="Bootstrap replicates")
    seed: list[int] = Field(description="numpy default_rng seed: [round id, unit id]")
    level: float = 0.95


class DriverReport(BaseModel):
    status: Literal["ready"] = Field("ready", description="ready: computed (see freshness)")
    round: str
    unit: str
    outcome: str = Field(description="The overall question's code, or 'overall_index'")
    method: str
    n: int = Field(description="Complete responses used (listwise)")
    predictors: int
    r2: float | None
    grouped: bool = Field(description="Criteria too many for exact Shapley: elements instead")
    warnings: list[str]
    drivers: list[Driver]
    interval: IntervalInfo | None = Field(
        None, description="How the importances' intervals were made (null: none given)"
    )
    freshness: FreshnessOut | None = Field(
        None,
        description="worker: as the background worker last computed it (as_of; stale: the "
        "round's figures changed since); live: computed in the request",
    )


class ActionIn(BaseModel):
    unit: str = Field(description="Code of the unit whose plan it is")
    round: str
    title: str = Field(min_length=3, max_length=300)
    criteria: list[str] = Field(default_factory=list, description="Criterion or element codes")
    responsible_unit: str | None = Field(None, description="Unit code responsible")
    responsible_person: str = Field(min_length=2, max_length=200)
    due_on: date


class ActionPatch(BaseModel):
    status: str | None = Field(None, description="planned | in_progress | done | cancelled")
    note: str | None = Field(None, max_length=4000)
    review: str | None = Field(None, description="approved | rejected (province reviewers)")
    review_note: str | None = Field(None, max_length=2000)


class EvidenceOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime


class NoteOut(BaseModel):
    text: str
    author: str
    at: datetime


class ActionOut(BaseModel):
    id: int
    unit: str
    round: str
    title: str
    criteria: list[str]
    responsible_unit: str | None
    responsible_person: str
    due_on: date
    status: str
    done_on: date | None
    review: str | None
    review_note: str | None
    notes: list[NoteOut] = Field(default_factory=list)
    evidence: list[EvidenceOut] = Field(default_factory=list)


class FollowedCriterion(BaseModel):
    """A targeted criterion (or element) in the next round: did it move, significantly?"""

    code: str
    before: float | None
    after: float | None
    delta: float | None
    significant: bool | None


class FollowUp(BaseModel):
    action: int
    round: str
    next_round: str | None = Field(description="The next round of the instrument (null: none yet)")
    criteria: list[FollowedCriterion]


class UnitProgress(BaseModel):
    unit: str
    unit_name: str
    due: int = Field(description="Actions due in the period")
    done: int = Field(description="Of those, done")
    done_on_time: int = Field(description="Of those, done by their due date")
    late: int = Field(description="Due in the period, not done by their due date")
    open: int = Field(description="Due in the period, not done yet and not cancelled")


class TargetedFigure(BaseModel):
    unit: str
    code: str
    round: str
    index: float | None
    ci95: list[float] | None = None


class ProgressReport(BaseModel):
    period: str = Field(description="e.g. 2026-Q4, 2026-H2, 2026")
    since: date
    until: date
    as_of: date
    units: list[UnitProgress]
    total: UnitProgress
    feedback_on_time: float | None = Field(description="PAKN handled on time, percent")
    feedback_due: int
    targeted: list[TargetedFigure] = Field(description="Targeted criteria's latest figures")


class InboxItem(BaseModel):
    action: int
    unit: str
    title: str
    due_on: date
    state: str = Field(description="late | due_soon")
