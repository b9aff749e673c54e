"""Date helpers of the demo data: every instant is derived from `today`, never from the clock."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def midnight(day: date) -> datetime:
    """00:00 UTC of the day, timezone-aware."""
    return datetime.combine(day, time(), tzinfo=UTC)


def at(day: date, second_of_day: int) -> datetime:
    """An instant of the day (UTC) given as seconds since midnight."""
    return midnight(day) + timedelta(seconds=second_of_day)


DAY = timedelta(days=1)
