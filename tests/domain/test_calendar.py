from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mosaic.domain.calendar import add_months, days_begun, history_start, local_date

BANGKOK = ZoneInfo("Asia/Bangkok")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 1, 10), 4, date(2024, 5, 10)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 10, 31), 4, date(2024, 2, 29)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2024, 11, 15), 3, date(2025, 2, 15)),
        (date(2024, 1, 15), -13, date(2022, 12, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_short_months(day, months, expected):
    assert add_months(day, months) == expected


def test_history_keeps_twelve_months_from_local_midnight():
    now = datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert history_start(now, "Asia/Bangkok") == datetime(2025, 2, 28, tzinfo=BANGKOK)


def test_history_window_follows_the_program_date_not_the_utc_date():
    # 18:30 UTC on 28 Feb is already 1 March in Bangkok: the window starts 1 March 2025.
    now = datetime(2026, 2, 28, 18, 30, tzinfo=UTC)
    assert history_start(now, "Asia/Bangkok") == datetime(2025, 3, 1, tzinfo=BANGKOK)
    assert history_start(now, "UTC") == datetime(2025, 2, 28, tzinfo=UTC)


def test_local_date_of_an_instant_depends_on_the_timezone():
    instant = datetime(2026, 11, 21, 17, 30, tzinfo=UTC)
    assert local_date(instant, "Asia/Bangkok") == date(2026, 11, 22)
    assert local_date(instant, "America/New_York") == date(2026, 11, 21)


def test_unknown_timezone_is_refused():
    with pytest.raises(ValueError, match="unknown timezone"):
        local_date(datetime(2026, 1, 1, tzinfo=UTC), "Mars/Olympus")


BANGKOK_MIDNIGHT = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)  # 22 November begins in Bangkok
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("since", "until", "begun"),
    [
        (BANGKOK_MIDNIGHT - SECOND, BANGKOK_MIDNIGHT, (date(2026, 11, 22), date(2026, 11, 22))),
        (BANGKOK_MIDNIGHT, BANGKOK_MIDNIGHT + timedelta(hours=1), None),  # since is out
        (
            BANGKOK_MIDNIGHT - timedelta(days=2),  # 20 November's midnight: out
            BANGKOK_MIDNIGHT - SECOND,
            (date(2026, 11, 21),) * 2,
        ),
        (
            BANGKOK_MIDNIGHT - SECOND,
            BANGKOK_MIDNIGHT + timedelta(days=2),
            (date(2026, 11, 22), date(2026, 11, 24)),
        ),
    ],
)
def test_the_days_begun_in_a_window_are_the_program_days_whose_midnight_it_holds(
    since, until, begun
):
    assert days_begun(since, until, "Asia/Bangkok") == begun


def test_a_day_without_a_midnight_begins_at_its_first_instant():
    # Santiago moved its clocks from 24:00 to 01:00: 8 September 2024 began at 04:00 UTC.
    first_instant = datetime(2024, 9, 8, 4, 0, tzinfo=UTC)
    santiago = "America/Santiago"
    assert days_begun(first_instant - SECOND, first_instant, santiago) == (date(2024, 9, 8),) * 2
    assert days_begun(first_instant, first_instant + timedelta(hours=20), santiago) is None
