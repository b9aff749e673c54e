"""Date rules: month arithmetic and business dates in a program's timezone.

A program's business dates (an invitee's last day, the 12-month history window, the end of a
month a point expires at) are dates where the program is, not in UTC: 01:00 in Bangkok on the
2nd is still the 1st in UTC.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA zone; raises ValueError for a name the tz database does not know."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError) as error:  # "Asia" is a directory: OSError
        raise ValueError(f"unknown timezone {name!r}") from error


def local_date(instant: datetime, timezone: str) -> date:
    """The business date of an aware instant in the program's timezone."""
    if instant.tzinfo is None:
        raise ValueError("a business date needs an aware instant")
    return instant.astimezone(zone(timezone)).date()


def start_of_day(day: date, timezone: str) -> datetime:
    """Local midnight of `day` in the timezone, as an aware instant."""
    return datetime.combine(day, time.min, zone(timezone))


def days_begun(since: datetime, until: datetime, timezone: str) -> tuple[date, date] | None:
    """The first and last business days whose local midnight falls in `(since, until]`, or
    None when no day began then. A day begins at the first instant of its local date, so the
    days begun are those after since's local date, up to until's (right across a DST jump)."""
    first = local_date(since, timezone) + timedelta(days=1)
    last = local_date(until, timezone)
    return (first, last) if first <= last else None


def history_start(now: datetime, timezone: str) -> datetime:
    """Start of the 12-month history a digital membership keeps: local midnight of the same
    local date 12 months before `now`."""
    return start_of_day(add_months(local_date(now, timezone), -12), timezone)


def month_starts(since: date, months: int, timezone: str) -> list[tuple[str, datetime]]:
    """The program's calendar months from the one holding `since`: each as its label
    (`2026-03`) and the instant it starts (local midnight of its first day), `months` + 1 of
    them, so the last one is where the others end."""
    first = since.replace(day=1)
    starts = [add_months(first, n) for n in range(months + 1)]
    return [(f"{day.year:04d}-{day.month:02d}", start_of_day(day, timezone)) for day in starts]
