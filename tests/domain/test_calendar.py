from datetime import date

import pytest

from mosaic.domain.calendar import add_months, history_start


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


def test_history_keeps_twelve_months():
    assert history_start(date(2026, 2, 28)) == date(2025, 2, 28)
