"""Working days: Monday to Friday, minus public holidays, plus swapped working weekend days."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app.config import Settings
from app.models.base import as_utc

DEFAULT_HOLIDAYS = Path(__file__).resolve().parent / "holidays_vn.txt"


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = frozenset()
    # Saturdays or Sundays worked in exchange for a day off (ngày làm bù).
    workdays: frozenset[date] = frozenset()

    def is_working(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself never counts, so
        something received on a Saturday has as many days as if received on Friday evening)."""
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working(day):
                left -= 1
        return day


def parse_calendar(text: str) -> WorkCalendar:
    """Read the holidays file format: ISO dates, ``+date`` for working weekend days, # comments."""
    holidays: set[date] = set()
    workdays: set[date] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        target = workdays if line.startswith("+") else holidays
        try:
            target.add(date.fromisoformat(line.lstrip("+").strip()))
        except ValueError:
            raise ValueError(f"holidays file line {number}: not a date: {raw.strip()!r}") from None
    return WorkCalendar(frozenset(holidays), frozenset(workdays))


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> WorkCalendar:
    return parse_calendar(path.read_text(encoding="utf-8"))


def work_calendar(settings: Settings) -> WorkCalendar:
    """The configured calendar (re-read when the file changes)."""
    path = settings.holidays_file or DEFAULT_HOLIDAYS
    return _load(path, path.stat().st_mtime)


def local_date(moment: datetime, settings: Settings) -> date:
    return as_utc(moment).astimezone(ZoneInfo(settings.timezone)).date()


def day_start(day: date, settings: Settings) -> datetime:
    """The UTC instant at which local ``day`` begins (for filters on stored timestamps)."""
    return datetime.combine(day, time(), ZoneInfo(settings.timezone)).astimezone(UTC)


def due_on(submitted_at: datetime, settings: Settings, calendar: WorkCalendar) -> date:
    """When a comment received at ``submitted_at`` must be handled by (local date)."""
    return calendar.add_working_days(
        local_date(submitted_at, settings), settings.comment_due_working_days
    )


def time_filters(settings: Settings) -> dict[str, Callable[[Any], str]]:
    """Jinja filters showing stored UTC times and dates as local dd/mm/yyyy [hh:mm]."""
    zone = ZoneInfo(settings.timezone)

    def moment(value: datetime | None) -> str:
        return as_utc(value).astimezone(zone).strftime("%d/%m/%Y %H:%M") if value else ""

    def day(value: date | None) -> str:
        return value.strftime("%d/%m/%Y") if value else ""

    return {"local_time": moment, "day": day}
