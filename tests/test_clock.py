from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mosaic.adapters.clock import FixedClock, SystemClock

BANGKOK = timezone(timedelta(hours=7))


def test_system_clock_tells_the_current_time_in_utc() -> None:
    before = datetime.now(UTC)

    now = SystemClock().now()

    assert now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_fixed_clock_answers_its_instant_in_utc() -> None:
    clock = FixedClock(datetime(2026, 1, 1, 8, 0, tzinfo=BANGKOK))

    assert clock.now() == datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    assert clock.now().tzinfo == UTC
    assert clock.now() == clock.now()


def test_fixed_clock_moves_only_when_advanced() -> None:
    clock = FixedClock(datetime(2026, 1, 31, 23, 30, tzinfo=UTC))

    clock.advance(timedelta(hours=1))

    assert clock.now() == datetime(2026, 2, 1, 0, 30, tzinfo=UTC)


def test_fixed_clock_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2026, 1, 1, 8, 0))
