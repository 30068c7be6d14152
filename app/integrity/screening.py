"""Screening a submission before it is stored: its paradata and the rules that need nothing
but the submission itself (time to complete, straight-lining, opening hours). Pure functions.

The rules that need other responses (a device's repeat, a counter's burst) are decided by the
database in the statement that stores the response (app/integrity/admission.py); those that
need a unit's history (a day unlike the unit's others) run in the background
(app/integrity/tasks.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.collection.answers import ParsedAnswer
from app.integrity.policy import IntegrityPolicy

# Channels whose responses the per-device limit applies to (a phone at the counter); a burst
# is counted over these and receipt codes. Invitations are single-use by construction.
DEVICE_LIMITED = ("qr",)
BURST_COUNTED = ("qr", "kiosk", "receipt")
# The same filled form sent again from one device within this long is the same submission
# (the Back button), not a second one; at a kiosk, which serves citizen after citizen, only
# within a much shorter time.
DUPLICATE_WINDOW = {"kiosk": timedelta(seconds=20)}
UNLIMITED = 2**31 - 1


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """A pseudonym: HMAC-SHA256 under the server's secret, 128 bits in hex. Not reversible
    without the secret, and different for each purpose (device, answers, receipt)."""
    digest = hmac.new(secret.encode(), f"{purpose}|{value}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def answers_fingerprint(answers: Iterable[ParsedAnswer]) -> str:
    """The same filled form gives the same fingerprint, in any field order."""
    # Answers are (question, ordinal, value, text) tuples, unique by (question, ordinal):
    # sorted, they compare on those two and never reach a None value.
    # The text is the repr of the sorted list, written out (a named tuple's repr is a tenth
    # of a submission's parsing time): fingerprints stay those of stored responses.
    text = ", ".join(
        f"ParsedAnswer(question={q!r}, ordinal={o!r}, value={v!r}, text={t!r})"
        for q, o, v, t in sorted(answers)
    )
    return hashlib.sha256(f"[{text}]".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Paradata:
    """What the server knows of how a response was made, besides its answers."""

    channel: str
    issued_at: datetime | None  # from the signed submission id
    device_hash: str | None
    answers_hash: str
    receipt_hash: str | None = None


@dataclass(frozen=True)
class Screening:
    """The verdict before storing: flags found so far and the limits the store applies."""

    now: datetime
    flags: tuple[str, ...]
    hold: bool  # one of ``flags`` holds the response
    device_max: int  # responses allowed per device per window (UNLIMITED: no limit)
    burst_limit: int  # responses allowed at the counter per burst window (UNLIMITED: none)
    hold_device: bool
    hold_burst: bool
    device_cutoff: datetime
    duplicate_cutoff: datetime
    burst_cutoff: datetime


def screen(
    policy: IntegrityPolicy,
    paradata: Paradata,
    answers: list[ParsedAnswer],
    criteria: frozenset[str],
    unit_code: str,
    burst_limit: int,
    now: datetime,
    timezone: str,
) -> Screening:
    """Apply the rules that need only this submission; set up the ones the store decides."""
    flags = _own_flags(policy, paradata, answers, criteria, unit_code, now, timezone)
    limited = policy.limits
    device_max = (
        policy.device_max
        if limited and policy.active("device_repeat") and paradata.channel in DEVICE_LIMITED
        else UNLIMITED
    )
    counted = limited and policy.active("burst") and paradata.channel in BURST_COUNTED
    # Without limits (a supervised day: one operator keys in many identical paper forms) no
    # form is taken for another's repeat: a cutoff in the future matches nothing.
    window = DUPLICATE_WINDOW.get(paradata.channel, timedelta(minutes=policy.device_window_minutes))
    duplicate = window if limited else -timedelta(days=1)
    return Screening(
        now=now,
        flags=flags,
        hold=any(policy.holds(rule) for rule in flags),
        device_max=device_max,
        burst_limit=burst_limit if counted else UNLIMITED,
        hold_device=policy.holds("device_repeat"),
        hold_burst=policy.holds("burst"),
        device_cutoff=now - timedelta(minutes=policy.device_window_minutes),
        duplicate_cutoff=now - duplicate,
        burst_cutoff=now - timedelta(minutes=policy.burst_window_minutes),
    )


def _own_flags(
    policy: IntegrityPolicy,
    paradata: Paradata,
    answers: list[ParsedAnswer],
    criteria: frozenset[str],
    unit_code: str,
    now: datetime,
    timezone: str,
) -> tuple[str, ...]:
    flags = []
    answered = len({a.question for a in answers})
    if (
        policy.active("too_fast")
        and paradata.issued_at is not None
        and (now - paradata.issued_at).total_seconds() < policy.too_fast(answered)
    ):
        flags.append("too_fast")
    ratings = [a.value for a in answers if a.question in criteria and a.value is not None]
    if (
        policy.active("straight_line")
        and len(ratings) >= policy.straight_line_min_items
        and len(set(ratings)) == 1
    ):
        flags.append("straight_line")
    if policy.active("out_of_hours") and not policy.is_open(
        unit_code, now.astimezone(ZoneInfo(timezone))
    ):
        flags.append("out_of_hours")
    return tuple(flags)
