"""The expiry date rule: the end of the month N months after the earning month, both months
taken in the program's timezone."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mosaic.domain.calendar import local_date, zone
from mosaic.domain.loyalty.entries import LedgerEntry, LedgerKind
from mosaic.domain.loyalty.expiry import (
    after,
    end_of_month,
    expiry_of,
    is_past,
    shown_expiry,
)
from tests.domain.loyalty_factories import BANGKOK, end_of

# Zones with DST changes at 01:00-03:00 (New York, London), at midnight (Santiago, Havana:
# some days start at 01:00), half-hour DST (Lord Howe), a day skipped (Apia, 30 Dec 2011),
# and offsets of :30/:45 (Kathmandu, Chatham).
ZONES = [
    "Asia/Bangkok",
    "UTC",
    "America/New_York",
    "Europe/London",
    "America/Santiago",
    "America/Havana",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Asia/Beirut",
]
PROPERTIES = settings(max_examples=300, deadline=None, database=None)


@pytest.mark.parametrize(
    ("earned_at", "expires_on"),
    [
        (datetime(2024, 1, 10, 12, tzinfo=BANGKOK), date(2024, 5, 31)),
        (datetime(2023, 10, 31, 12, tzinfo=BANGKOK), date(2024, 2, 29)),
        (datetime(2024, 1, 31, 20, tzinfo=UTC), date(2024, 6, 30)),  # 1 Feb in Bangkok
        (datetime(2024, 1, 31, 16, 59, 59, tzinfo=UTC), date(2024, 5, 31)),  # 23:59:59 31 Jan
        (datetime(2022, 10, 1, tzinfo=BANGKOK), date(2023, 2, 28)),  # no leap day in 2023
        (datetime(2099, 10, 15, tzinfo=BANGKOK), date(2100, 2, 28)),  # 2100 is no leap year
        (datetime(2024, 9, 30, 23, tzinfo=BANGKOK), date(2025, 1, 31)),  # across the year
    ],
)
def test_points_expire_at_the_end_of_the_month_four_months_later(earned_at, expires_on):
    expiry = expiry_of(earned_at, 4, "Asia/Bangkok")

    assert expiry == end_of(expires_on.year, expires_on.month, expires_on.day)


def test_an_expiry_is_shown_as_235959_local_and_lapses_at_the_next_local_midnight():
    expiry = expiry_of(datetime(2024, 1, 10, tzinfo=BANGKOK), 4, "Asia/Bangkok")

    assert shown_expiry(expiry, "Asia/Bangkok").isoformat() == "2024-05-31T23:59:59+07:00"
    assert after(expiry) == datetime(2024, 6, 1, tzinfo=BANGKOK)
    assert not is_past(expiry, datetime(2024, 5, 31, 23, 59, 59, 999999, tzinfo=BANGKOK))
    assert is_past(expiry, datetime(2024, 6, 1, tzinfo=BANGKOK))
    assert not is_past(None, datetime(2999, 1, 1, tzinfo=UTC))


def test_the_earning_month_is_the_programs_not_utcs():
    late_on_31_january_utc = datetime(2024, 1, 31, 20, tzinfo=UTC)

    in_bangkok = expiry_of(late_on_31_january_utc, 4, "Asia/Bangkok")
    in_utc = expiry_of(late_on_31_january_utc, 4, "UTC")

    assert local_date(in_bangkok, "Asia/Bangkok") == date(2024, 6, 30)
    assert local_date(in_utc, "UTC") == date(2024, 5, 31)


def test_an_expiry_survives_the_document_round_trip():
    expiry = expiry_of(datetime(2024, 1, 10, tzinfo=BANGKOK), 4, "Asia/Bangkok")
    entry = LedgerEntry(
        id="e1", kind=LedgerKind.EARN, points=1, at=expiry, expires_at=expiry, reason=""
    )

    stored = LedgerEntry.model_validate(entry.model_dump(mode="json", by_alias=True))

    assert stored.expires_at == expiry
    assert entry.model_dump(mode="json", by_alias=True)["expiresAt"] == (
        "2024-05-31T23:59:59.999999+07:00"
    )


def _month_index(day: date) -> int:
    return day.year * 12 + day.month


earnings = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2090, 12, 31),
    timezones=st.sampled_from([zone(name) for name in ZONES]),
    allow_imaginary=False,
)


@PROPERTIES
@given(earned_at=earnings, months=st.integers(1, 36), timezone=st.sampled_from(ZONES))
def test_an_expiry_is_the_last_instant_of_the_months_last_local_day(earned_at, months, timezone):
    expiry = expiry_of(earned_at, months, timezone)

    last_day = local_date(expiry, timezone)
    first_after = local_date(after(expiry), timezone)
    assert first_after == last_day + timedelta(days=1)
    assert first_after.day == 1
    assert _month_index(last_day) - _month_index(local_date(earned_at, timezone)) == months
    assert expiry > earned_at
    assert end_of_month(last_day, timezone) == expiry  # already an end of month: unchanged


@PROPERTIES
@given(
    first=earnings,
    gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
    months=st.integers(1, 12),
    timezone=st.sampled_from(ZONES),
)
def test_a_later_earning_never_expires_sooner(first, gap, months, timezone):
    assert expiry_of(first, months, timezone) <= expiry_of(first + gap, months, timezone)


@PROPERTIES
@given(year=st.integers(1990, 2090), timezone=st.sampled_from(ZONES))
def test_points_earned_in_october_expire_on_the_last_day_of_february(year, timezone):
    earned_at = datetime(year, 10, 31, 12, tzinfo=zone(timezone))

    last_day = local_date(expiry_of(earned_at, 4, timezone), timezone)

    leap = (year + 1) % 4 == 0 and ((year + 1) % 100 != 0 or (year + 1) % 400 == 0)
    assert last_day == date(year + 1, 2, 29 if leap else 28)
