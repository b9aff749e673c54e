"""When points expire: the end of a month in the program's timezone.

An expiry is stored as the LAST INSTANT of the month's last local day (23:59:59.999999, the
instant just before the next month's local midnight), so "expired" is simply `now > expiry`
and no moment of the last day is lost; people are shown 23:59:59 local (`shown_expiry`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from mosaic.domain.calendar import add_months, local_date, start_of_day, zone

_INSTANT = timedelta(microseconds=1)


def end_of_month(day: date, timezone: str) -> datetime:
    """The last instant of `day`'s month in the timezone, as an aware datetime in that zone.
    Computed in UTC from the next month's first local instant, so a DST change around the
    month end (or a day that starts at 01:00) cannot shift it."""
    next_month = add_months(day.replace(day=1), 1)
    first = start_of_day(next_month, timezone).astimezone(UTC)
    return (first - _INSTANT).astimezone(zone(timezone))


def expiry_of(earned_at: datetime, months: int, timezone: str) -> datetime:
    """Points earned at `earned_at` expire at the end of the month `months` after the month
    they were earned in, that month taken in the program's timezone: 10 Jan 2024 -> 31 May
    2024; 31 Oct 2023 -> 29 Feb 2024; 31 Jan 2024 20:00 UTC (1 Feb in Bangkok) -> 30 Jun 2024."""
    earned_on = local_date(earned_at, timezone)
    return end_of_month(add_months(earned_on.replace(day=1), months), timezone)


def after(expiry: datetime) -> datetime:
    """The first instant at which something valid until `expiry` no longer is."""
    return expiry + _INSTANT


def is_past(expiry: datetime | None, now: datetime) -> bool:
    """Whether a thing valid until `expiry` (None: for ever) has lapsed at `now`."""
    return expiry is not None and now > expiry


def shown_expiry(expiry: datetime, timezone: str) -> datetime:
    """The expiry as people see it: 23:59:59 on the last day, in the program's timezone."""
    return expiry.astimezone(zone(timezone)).replace(microsecond=0)


def expiry_day(expiry: datetime, timezone: str) -> date:
    """The program's business date an expiry falls on (the month's last day)."""
    return local_date(expiry, timezone)
