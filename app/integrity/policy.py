"""A round's integrity policy: collection limits and detection rules, with their defaults.

Stored as JSON on the round (``round.integrity_policy``; NULL means every default). A province
changes it per round (API, console, CLI), audited; every export's method block states it.
The defaults are argued in docs/integrity.md.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.errors import AppError

# Every rule, by stable code. "hold": a response it fires on is held for review by default;
# "note": recorded and shown, never holds unless the policy says so.
RULES: dict[str, Literal["hold", "note"]] = {
    "device_repeat": "hold",
    "burst": "hold",
    "too_fast": "hold",
    "straight_line": "note",
    "out_of_hours": "note",
    "day_shift": "note",
}
ReceiptMode = Literal["off", "prefer", "require"]


@lru_cache(maxsize=256)
def _hours(value: str) -> tuple[time, time]:
    start, _, end = value.partition("-")
    try:
        opens, closes = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        raise ValueError(f"opening hours {value!r}: expected HH:MM-HH:MM") from None
    if closes <= opens:
        raise ValueError(f"opening hours {value!r}: closing must be after opening")
    return opens, closes


class IntegrityPolicy(BaseModel):
    """What a round limits and detects at collection. Every field has a default."""

    model_config = ConfigDict(extra="forbid")

    limits: bool = Field(
        True, description="false: no limits and no rule holds (a supervised import, a load test)"
    )
    device_window_minutes: int = Field(30, ge=1, le=24 * 60)
    device_max: int = Field(
        1, ge=1, le=100, description="responses per device per counter per window"
    )
    burst_window_minutes: int = Field(10, ge=1, le=24 * 60)
    burst_min: int = Field(5, ge=2, description="a counter's burst limit is never below this")
    burst_tail: float = Field(
        1e-4, gt=0, lt=0.5, description="chance that an honest counter at its volume exceeds it"
    )
    default_daily_transactions: int = Field(40, ge=1, description="a counter without a volume")
    seconds_per_item: float = Field(1.5, ge=0, description="faster than this per answer: too_fast")
    min_seconds: float = Field(8.0, ge=0)
    straight_line_min_items: int = Field(5, ge=2)
    hours: str = Field("07:00-17:30", description="opening hours (local time)")
    unit_hours: dict[str, str] = Field(default_factory=dict, description="per unit code")
    weekdays: list[int] = Field([0, 1, 2, 3, 4, 5], description="open days, 0 = Monday")
    day_shift_min_n: int = Field(10, ge=3)
    day_shift_p: float = Field(1e-3, gt=0, lt=0.5)
    hold: list[str] = Field(
        default_factory=lambda: [rule for rule, kind in RULES.items() if kind == "hold"]
    )
    off: list[str] = Field(default_factory=list, description="rules not evaluated")
    receipts: ReceiptMode = "off"

    @field_validator("hold", "off")
    @classmethod
    def _known_rules(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(RULES))
        if unknown:
            raise ValueError(f"unknown rules {', '.join(unknown)}; known: {', '.join(RULES)}")
        return value

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: str) -> str:
        _hours(value)
        return value

    @field_validator("unit_hours")
    @classmethod
    def _valid_unit_hours(cls, value: dict[str, str]) -> dict[str, str]:
        for hours in value.values():
            _hours(hours)
        return value

    def active(self, rule: str) -> bool:
        return rule not in self.off

    def holds(self, rule: str) -> bool:
        """Whether a flag of ``rule`` holds its response (never when limits are off)."""
        return self.limits and rule in self.hold and self.active(rule)

    def opening(self, unit_code: str) -> tuple[time, time]:
        return _hours(self.unit_hours.get(unit_code, self.hours))

    def is_open(self, unit_code: str, local: datetime) -> bool:
        opens, closes = self.opening(unit_code)
        return local.weekday() in self.weekdays and opens <= local.time() < closes

    def open_minutes(self, unit_code: str, starts_on: date, ends_on: date) -> float:
        """Minutes a counter is open over a period (at least one day's worth)."""
        opens, closes = self.opening(unit_code)
        per_day = (datetime.combine(starts_on, closes) - datetime.combine(starts_on, opens)).seconds
        days = sum(
            1
            for offset in range((ends_on - starts_on).days + 1)
            if (starts_on + timedelta(days=offset)).weekday() in self.weekdays
        )
        return max(days, 1) * per_day / 60

    def burst_limit(self, transactions_per_minute: float) -> int:
        """Most responses an honest counter gives in one burst window: the Poisson quantile of
        its transactions in that window at 1 − ``burst_tail`` (every transaction answering)."""
        expected = transactions_per_minute * self.burst_window_minutes
        return max(self.burst_min, poisson_quantile(expected, 1 - self.burst_tail))

    def too_fast(self, answered: int) -> float:
        """Seconds under which a form with ``answered`` answers was filled implausibly fast."""
        return max(self.min_seconds, self.seconds_per_item * answered)


def poisson_quantile(mean: float, level: float) -> int:
    """Smallest k with P(X ≤ k) ≥ level for X ~ Poisson(mean)."""
    if mean <= 0:
        return 0
    if mean > 500:  # exp(-mean) underflows; the normal approximation is close there
        from statistics import NormalDist

        return math.ceil(mean + NormalDist().inv_cdf(level) * math.sqrt(mean))
    k, term = 0, math.exp(-mean)
    total = term
    while total < level and k < 1_000_000:
        k += 1
        term *= mean / k
        total += term
    return k


def describe(policy: IntegrityPolicy) -> str:
    """One line for an export's method block: the policy the figures were collected under."""
    if not policy.limits:
        head = "limits off (supervised collection): rules flag, nothing is held"
    else:
        head = (
            f"limits on: {policy.device_max} response(s) per device per counter per "
            f"{policy.device_window_minutes} min; a counter's burst beyond its volume's "
            f"Poisson limit (tail {policy.burst_tail:g}) in {policy.burst_window_minutes} min "
            f"is held; held until reviewed: {', '.join(policy.hold) or 'none'}"
        )
    off = ", ".join(policy.off) or "none"
    return (
        f"{head}; rules off: {off}; receipt codes: {policy.receipts}; "
        "held and rejected responses are in no figure (docs/integrity.md)"
    )


def policy_of(stored: dict[str, Any] | None) -> IntegrityPolicy:
    """The round's policy: the stored JSON over the defaults."""
    return IntegrityPolicy.model_validate(stored or {})


def parse_policy(given: dict[str, Any]) -> IntegrityPolicy:
    """A policy sent by a client; a clear 422 naming the field when it is wrong."""
    from pydantic import ValidationError

    try:
        return IntegrityPolicy.model_validate(given)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "policy"
        raise PolicyError(f"{where}: {first['msg']}", field=where) from None


class PolicyError(AppError):
    status_code = 422
    code = "invalid_policy"
