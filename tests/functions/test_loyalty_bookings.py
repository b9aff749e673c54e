"""The booking system's routes: a booking earns once per bookingId, a cancellation reverses
it once; bad input is a problem naming the field; races count every point once."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from mosaic.ports.notifier import Notification, NotifierUnavailable
from tests.functions.conftest import assert_problem
from tests.functions.loyalty_world import (
    BOOKINGS,
    MEMBER,
    booking,
    cancel,
    emails_with_key,
    loyalty_world,
    post_booking,
)
from tests.services.loyalty_member import stored_loyalty


@pytest.fixture
def world(client, admin, tmp_path, app_backends):
    loyalty_world(client, admin, tmp_path, app_backends)


def test_a_booking_earns_a_point_expiring_at_the_end_of_the_fourth_month_local(
    client, admin, world
):
    response = post_booking(client, admin)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "program": "SIAM",
        "membershipNumber": MEMBER,
        "bookingId": "B-1",
        "points": 1,
        "earnedAt": "2026-11-20T10:00:00+07:00",
        "expiresAt": "2027-03-31T23:59:59+07:00",
    }
    assert "Idempotent-Replayed" not in response.headers


def test_100_00_earns_nothing_and_100_01_earns_one(client, admin, world):
    at_minimum = post_booking(client, admin, bookingId="B-100", amount=100.00)
    over = post_booking(client, admin, bookingId="B-101", amount=100.01)

    assert (at_minimum.status_code, at_minimum.json()["points"]) == (200, 0)
    assert at_minimum.json()["expiresAt"] is None
    assert (over.status_code, over.json()["points"]) == (200, 1)


def test_a_replayed_booking_answers_the_first_answer_and_awards_nothing(
    client, admin, world, app_backends
):
    first = post_booking(client, admin)
    again = post_booking(client, admin)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stored_loyalty(app_backends)["balance"] == 1


def test_the_confirmation_email_is_sent_once_for_a_booking_and_its_replay(
    client, admin, world, app_backends
):
    booking_id = f"B-{uuid.uuid4().hex[:8]}"
    for _ in range(2):
        assert post_booking(client, admin, bookingId=booking_id).status_code == 200

    (email,) = emails_with_key(app_backends, f"{MEMBER}:booking:{booking_id}")
    fields = email if isinstance(email, dict) else vars(email)
    assert fields["to"] == "ploy@example.com"
    assert booking_id in fields["subject"]


def test_a_booking_stands_when_the_notifier_fails_and_its_retry_sends_the_email(
    client, admin, world, app_backends, monkeypatch
):
    booking_id = f"B-{uuid.uuid4().hex[:8]}"

    def down(notification: Notification) -> str:
        raise NotifierUnavailable("the provider is down")

    with monkeypatch.context() as patched:
        patched.setattr(app_backends.notifier, "send", down)
        first = post_booking(client, admin, bookingId=booking_id)
    assert first.status_code == 200, first.text
    assert first.json()["points"] == 1
    key = f"{MEMBER}:booking:{booking_id}"
    assert emails_with_key(app_backends, key) == []

    retried = post_booking(client, admin, bookingId=booking_id)
    assert retried.json() == first.json()
    assert len(emails_with_key(app_backends, key)) == 1


def test_booking_routes_need_the_admin_key(client, admin, world):
    assert_problem(client.post(BOOKINGS, json=booking()), 401)
    assert_problem(client.post(BOOKINGS, json=booking(), headers={"X-Admin-Key": "nope"}), 401)
    assert_problem(cancel(client, {"X-Admin-Key": "nope"}), 401)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", -1),
        ("amount", "-0.01"),
        ("amount", "abc"),
        ("amount", True),
        ("amount", 100.001),
        ("amount", "NaN"),
        ("currency", "USD"),
        ("currency", "thb"),
        ("bookedAt", "2026-11-20T10:00:00"),
        ("bookedAt", 1763600000),
        ("bookedAt", "yesterday"),
        ("bookedAt", "9999-12-31T23:59:59+14:00"),
        ("bookedAt", "1999-12-31T23:59:59+00:00"),
        ("amount", "1e400"),
        ("amount", "Infinity"),
        ("bookingId", ""),
        ("bookingId", "B" * 65),
        ("bookingId", "B\n1"),
        ("membershipNumber", ""),
        ("program", "siam"),
    ],
)
def test_a_bad_field_is_a_400_naming_it(client, admin, world, field, value):
    problem = assert_problem(post_booking(client, admin, **{field: value}), 400)

    assert [e["field"] for e in problem["errors"]] == [field]


def test_a_missing_field_is_a_400_naming_it(client, admin, world):
    body = booking()
    del body["bookedAt"]
    problem = assert_problem(client.post(BOOKINGS, json=body, headers=admin), 400)
    assert [e["field"] for e in problem["errors"]] == ["bookedAt"]


def test_an_unknown_membership_or_program_is_not_found(client, admin, world):
    assert_problem(post_booking(client, admin, membershipNumber="SIAM-9999999"), 404)
    assert_problem(post_booking(client, admin, program="ANDA"), 404)
    assert_problem(cancel(client, admin, membershipNumber="SIAM-9999999"), 404)


def test_a_cancelled_booking_gives_its_points_back_once(client, admin, world, app_backends):
    post_booking(client, admin)

    first = cancel(client, admin)
    again = cancel(client, admin)

    assert first.status_code == 200, first.text
    assert first.json()["points"] == -1
    assert first.json()["bookingId"] == "B-1"
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    loyalty = stored_loyalty(app_backends)
    assert loyalty["balance"] == 0
    assert [e["kind"] for e in loyalty["ledger"]] == ["earn", "adjust"]


def test_a_cancelled_booking_booked_again_answers_its_first_earning(client, admin, world):
    first = post_booking(client, admin)
    cancel(client, admin)

    again = post_booking(client, admin)

    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_cancelling_an_unknown_booking_is_not_found(client, admin, world):
    problem = assert_problem(cancel(client, admin, "never-booked"), 404)
    assert problem["title"] == "Booking not found"
    assert_problem(cancel(client, admin, "B" * 65), 400)


def test_ten_requests_of_one_booking_at_once_earn_once_with_one_answer(
    client, admin, world, app_backends
):
    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(lambda _: post_booking(client, admin), range(10)))

    assert {r.status_code for r in responses} == {200}
    assert len({r.text for r in responses}) == 1
    ledger = stored_loyalty(app_backends)["ledger"]
    assert [(e["kind"], e["reference"]) for e in ledger] == [("earn", "B-1")]


def test_ten_bookings_of_one_member_at_once_are_all_counted(client, admin, world, app_backends):
    def book(n: int) -> int:
        status: int = post_booking(client, admin, bookingId=f"B-{n}").status_code
        return status

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(book, range(10)))

    assert statuses == [200] * 10
    loyalty = stored_loyalty(app_backends)
    assert loyalty["balance"] == 10
    assert loyalty["tier"] == "gold"
