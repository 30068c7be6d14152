"""Due dates: 15 working days after submission, Monday–Friday minus public holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.comments.calendar import (
    DEFAULT_HOLIDAYS,
    WorkCalendar,
    due_on,
    parse_calendar,
    work_calendar,
)
from app.config import Settings

PLAIN = WorkCalendar()


def test_weekends_do_not_count():
    # Monday 2026-11-02: 15 working days are three whole weeks -> Monday 2026-11-23
    assert PLAIN.add_working_days(date(2026, 11, 2), 15) == date(2026, 11, 23)
    # Friday: the next working day is Monday
    assert PLAIN.add_working_days(date(2026, 11, 6), 1) == date(2026, 11, 9)
    # received on Saturday or Sunday: counted as from Friday evening
    assert PLAIN.add_working_days(date(2026, 11, 7), 1) == date(2026, 11, 9)
    assert PLAIN.add_working_days(date(2026, 11, 8), 15) == date(2026, 11, 27)


def test_holidays_are_skipped_and_swapped_saturdays_count():
    tet = parse_calendar("2026-02-16\n2026-02-17\n2026-02-18\n2026-02-19\n2026-02-20\n")
    # Thursday 12/2/2026 + 2 working days: Friday 13/2, then the Tết week is skipped
    assert tet.add_working_days(date(2026, 2, 12), 2) == date(2026, 2, 23)
    assert PLAIN.add_working_days(date(2026, 2, 12), 2) == date(2026, 2, 16)
    swapped = parse_calendar("2025-05-02  # swapped\n+2025-04-26\n")
    assert swapped.add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 26)  # a Saturday
    assert swapped.add_working_days(date(2025, 5, 1), 1) == date(2025, 5, 5)


def test_the_default_calendar_knows_the_2026_holidays():
    calendar = parse_calendar(DEFAULT_HOLIDAYS.read_text(encoding="utf-8"))
    for day in (
        "2026-01-01",
        "2026-02-16",
        "2026-02-20",
        "2026-04-27",
        "2026-04-30",
        "2026-05-01",
        "2026-09-02",
    ):
        assert not calendar.is_working(date.fromisoformat(day)), day
    assert calendar.is_working(date(2025, 4, 26))  # the Saturday worked for Friday 2/5/2025
    # 15 working days from Friday 10/4/2026 skip Giỗ Tổ (27/4), 30/4 and 1/5
    assert calendar.add_working_days(date(2026, 4, 10), 15) == date(2026, 5, 6)


def test_due_date_uses_the_local_date_and_the_configured_file(tmp_path: Path):
    holidays = tmp_path / "holidays.txt"
    holidays.write_text("2026-11-24\n", encoding="utf-8")
    settings = Settings(holidays_file=holidays, comment_due_working_days=2)
    # 23:30 UTC on Sunday 22/11 is Monday 23/11 06:30 in Hà Nội: due Wednesday 25/11 less the
    # holiday on Tuesday -> Thursday 26/11
    submitted = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert due_on(submitted, settings, work_calendar(settings)) == date(2026, 11, 26)


def test_a_bad_line_is_reported_with_its_number():
    with pytest.raises(ValueError, match="line 2"):
        parse_calendar("2026-01-01\n2026-13-01\n")
