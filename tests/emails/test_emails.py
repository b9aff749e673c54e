from __future__ import annotations

from typing import Any

import pytest
from jinja2 import UndefinedError

from mosaic.emails import (
    BOOKING_CONFIRMATION,
    POINTS_EXPIRY,
    RENEWAL,
    TEMPLATES,
    UnknownTemplate,
    render_email,
)


def member(**more: Any) -> dict[str, Any]:
    return {
        "memberName": "Somchai <Jaidee>",
        "membershipNumber": "M0001",
        "tier": "Gold",
        "tierImage": "https://cdn.example/tiers/gold.png",
        **more,
    }


def points_expiry(points: int) -> dict[str, Any]:
    return member(
        points=points, expiresOn="2024-05-31", expiresAt="2024-05-31T23:59:59+07:00", daysBefore=7
    )


def test_points_expiry_email_shows_points_date_and_tier_image() -> None:
    email = render_email(POINTS_EXPIRY, points_expiry(120))

    assert email.subject == "120 points expire on 2024-05-31"
    assert '<img src="https://cdn.example/tiers/gold.png" alt="Gold tier"' in email.html
    assert "2024-05-31T23:59:59+07:00" in email.text
    assert "120 points" in email.html


def test_one_point_is_singular() -> None:
    email = render_email(POINTS_EXPIRY, points_expiry(1))

    assert email.subject == "1 point expires on 2024-05-31"


def test_member_name_is_escaped_in_html_and_kept_in_text() -> None:
    email = render_email(RENEWAL, member(expiresOn="2025-01-31", daysBefore=30))

    assert "Somchai &lt;Jaidee&gt;" in email.html
    assert "<Jaidee>" not in email.html
    assert "Dear Somchai <Jaidee>," in email.text
    assert email.subject == "Your membership ends on 2025-01-31"
    assert "in 30 days" in email.text


def test_email_without_tier_shows_no_image() -> None:
    email = render_email(
        RENEWAL, member(tier=None, tierImage=None, expiresOn="2025-01-31", daysBefore=7)
    )

    assert "<img" not in email.html
    assert "tier" not in email.text


def test_booking_confirmation_shows_points_earned_and_balance() -> None:
    email = render_email(
        BOOKING_CONFIRMATION,
        member(
            booking="B-1",
            amount="100.01",
            currency="THB",
            points=1,
            expiresOn="2024-05-31",
            balance=7,
        ),
    )

    assert email.subject == "Booking B-1 confirmed: 1 point earned"
    assert "100.01 THB" in email.text
    assert "Your balance: 7 points; your tier: Gold." in email.text


def test_booking_that_earned_nothing_says_so_by_omission() -> None:
    email = render_email(
        BOOKING_CONFIRMATION,
        member(booking="B-2", amount="100.00", currency="THB", points=0, expiresOn=None, balance=0),
    )

    assert email.subject == "Booking B-2 confirmed"
    assert "earned" not in email.text


@pytest.mark.parametrize("template", TEMPLATES)
def test_missing_value_is_an_error_not_an_empty_string(template: str) -> None:
    with pytest.raises(UndefinedError):
        render_email(template, {"memberName": "A"})


def test_unknown_template_is_refused() -> None:
    with pytest.raises(UnknownTemplate):
        render_email("../_layout.html", member())
