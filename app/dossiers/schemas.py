"""The dossier feed's shapes: one event in, one result per event out (stable error codes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

KINDS = ("received", "returned", "cancelled")
CHANNELS = ("in_person", "online", "postal")
BATCH_MAX = 5000
NUMBER_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._/\-]*$"


class DossierEventIn(BaseModel):
    """One event of a dossier. Nothing about the citizen: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(
        min_length=1, max_length=64, pattern=NUMBER_PATTERN, description="Dossier number (mã hồ sơ)"
    )
    type: Literal["received", "returned", "cancelled"]
    unit: str = Field(min_length=1, max_length=64, description="Code of the unit handling it")
    procedure_code: str = Field(min_length=1, max_length=64)
    procedure_name: str = Field(default="", max_length=500)
    field: str = Field(default="", max_length=128, description="Procedure field (lĩnh vực)")
    channel: Literal["in_person", "online", "postal"]
    received_on: date = Field(description="Date received (ISO date, or date-time: local day)")
    due_on: date | None = Field(default=None, description="Date the result is due")
    returned_on: date | None = Field(default=None, description="Date the result was returned")
    cancelled_on: date | None = None

    @field_validator("unit", "procedure_code", "procedure_name", "field")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:  # PostgreSQL text cannot hold it
            raise PydanticCustomError("invalid_value", "contains a NUL character")
        return value

    @field_validator("received_on", "due_on", "returned_on", "cancelled_on", mode="before")
    @classmethod
    def _local_day(cls, value: Any, info: ValidationInfo) -> Any:
        """A date-time counts on its local day in the province's time zone."""
        if isinstance(value, str) and len(value) > 10:
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value  # the date parser names the problem
            zone = (info.context or {}).get("zone")
            if moment.tzinfo is not None and isinstance(zone, ZoneInfo):
                moment = moment.astimezone(zone)
            return moment.date()
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> DossierEventIn:
        needed = {"returned": self.returned_on, "cancelled": self.cancelled_on}
        if self.type in needed and needed[self.type] is None:
            raise PydanticCustomError(
                "date_missing",
                "a {kind} event needs {field}",
                {"kind": self.type, "field": f"{self.type}_on"},
            )
        for name in ("due_on", "returned_on", "cancelled_on"):
            later = getattr(self, name)
            if later is not None and later < self.received_on:
                raise PydanticCustomError(
                    "dates_out_of_order", "{field} is before received_on", {"field": name}
                )
        today = (info.context or {}).get("today")
        for name in ("received_on", "returned_on", "cancelled_on"):
            day = getattr(self, name)
            if isinstance(today, date) and day is not None and day > today:
                raise PydanticCustomError(
                    "date_in_future", "{field} is after today", {"field": name}
                )
        return self


class EventError(BaseModel):
    code: str = Field(
        description="Stable: missing_field, unexpected_field, invalid_value, date_missing, "
        "dates_out_of_order, date_in_future, unknown_unit, out_of_scope, not_an_object"
    )
    field: str | None = None
    message: str


class EventResult(BaseModel):
    index: int = Field(description="Position in the batch (0 for a single event)")
    number: str | None
    type: str | None
    status: Literal["stored", "duplicate", "rejected"] = Field(
        description="stored: new; duplicate: this (number, type) was already stored (no-op); "
        "rejected: see error, nothing of it stored"
    )
    error: EventError | None = None


class FeedOut(BaseModel):
    stored: int
    duplicates: int
    rejected: int
    results: list[EventResult]


class IndicatorRow(BaseModel):
    """Indicators of one unit (and group), or of the whole selection (``unit`` None)."""

    unit: str | None = Field(description="Unit code; null on the total row")
    unit_name: str | None
    group: str = Field(description="Procedure code, field or channel ('' without breakdown)")
    transactions: int = Field(description="Returned, not cancelled, in the period: N")
    with_due: int = Field(description="Of those, with a due date (timeliness denominator)")
    early: int
    on_time: int
    late: int
    online: int
    received: int = Field(description="Received in the period")
    early_share: float | None = Field(description="% of with_due returned before the due day")
    on_time_share: float | None = Field(description="% of with_due returned on the due day")
    late_share: float | None = Field(description="% of with_due returned after the due day")
    timely_share: float | None = Field(description="early + on time, % of with_due")
    online_share: float | None = Field(description="% of transactions received online")
    rated_answered: int = Field(
        0,
        description="Criterion answers of responses given through a dossier's own code "
        "in the period (not 'not applicable')",
    )
    rated_satisfied: int = Field(0, description="Of those, at a satisfied level")
    satisfaction_share: float | None = Field(
        None, description="rated_satisfied ÷ rated_answered × 100 (unweighted)"
    )
    progress_points: float | None = Field(
        None, description="Decision 766 progress, adapted: 20 × timely_share ÷ 100"
    )
    online_points: float | None = Field(
        None, description="Decision 766 online services, adapted: 22 × online_share ÷ 100"
    )
    satisfaction_points: float | None = Field(
        None, description="Decision 766 satisfaction, adapted: 18 × satisfaction_share ÷ 100"
    )


class ScoreComponent(BaseModel):
    """A Decision 766/QĐ-TTg component these data determine, and how its points are given."""

    code: str = Field(description="progress, online or satisfaction: the row's <code>_points")
    group: str = Field(description="The decision's group of indicators")
    group_points: int = Field(description="The group's points in the decision (of 100)")
    share: str = Field(description="The row's share (in %) the points are computed from")
    rule: str
    basis: Literal["decision", "adapted"] = Field(
        description="decision: the decision's own scoring; adapted: the decision's scoring "
        "tables could not be verified, the rule is sipas's (docs/dossiers.md)"
    )
    note: str


class IndicatorsOut(BaseModel):
    period_from: date
    period_to: date
    by: str
    rows: list[IndicatorRow]
    total: IndicatorRow
    as_of: datetime | None = Field(
        description="When the background worker last counted the feed (null: not yet)"
    )
    pending: int = Field(
        description="Events stored but not yet counted (counted up to 10,000); the worker "
        "counts them within seconds"
    )
    ratings_as_of: datetime | None = Field(
        None,
        description="When the worker last computed the rated dossiers' satisfaction "
        "(the oldest round's computation; null: not yet)",
    )
    components: list[ScoreComponent] = Field(
        default_factory=list, description="The Decision 766 point scores given in the rows"
    )


class VolumeSourceIn(BaseModel):
    fixed: bool = Field(
        description="True: the round's volumes stay as given; false: they follow the feed"
    )


class VolumeSourceOut(BaseModel):
    round: str
    fixed: bool


RATING_MAX = 1000


Number = Annotated[str, Field(min_length=1, max_length=64, pattern=NUMBER_PATTERN)]


class RatingCodesIn(BaseModel):
    numbers: list[Number] = Field(
        min_length=1, max_length=RATING_MAX, description="Numbers of returned dossiers"
    )


class RatingCode(BaseModel):
    number: str
    status: Literal["issued", "rejected"]
    round: str | None = None
    code: str | None = Field(None, description="The receipt code (single use), for print")
    url: str | None = Field(None, description="The rating link, for a message or a QR code")
    error: EventError | None = Field(None, description="not_returned, out_of_scope, no_open_round")


class RatingCodesOut(BaseModel):
    codes: list[RatingCode]


class DossierSatisfactionRow(BaseModel):
    group: str = Field(description="Procedure, field, channel, or early/on_time/late/no_due")
    responses: int = Field(description="Responses linked to a dossier of this group")
    answered: int = Field(description="Criterion answers (not 'not applicable')")
    satisfied: int = Field(description="Of those, at a satisfied level")
    index: float | None = Field(description="satisfied ÷ answered × 100 (unweighted)")


class DossierSatisfactionOut(BaseModel):
    round: str
    by: str
    rows: list[DossierSatisfactionRow]
    total: DossierSatisfactionRow
    as_of: datetime | None = Field(
        description="When the background worker last computed these figures (null: not yet)"
    )
