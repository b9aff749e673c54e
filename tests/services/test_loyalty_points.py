"""Bookings earn, cancellations reverse, staff adjust: each one conditional write of the
membership through the domain's operations; the confirmation e-mail follows a booking."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from mosaic.adapters.embedded.notifier import OutboxNotifier
from mosaic.domain.errors import (
    BookingNotFound,
    InvalidField,
    MembershipNotFound,
    NotEnoughPoints,
)
from mosaic.domain.membership import DigitalMembership
from mosaic.ports.documents import Container
from mosaic.ports.notifier import Notification, NotifierUnavailable
from mosaic.services.backends import Backends
from mosaic.services.callers import Caller
from mosaic.services.documents import load
from mosaic.services.loyalty_points import (
    BookingPoints,
    adjust_points,
    cancel_booking,
    record_booking,
)
from mosaic.services.loyalty_views import loyalty_view
from tests.factories import NOW, embedded_backends, insert_member, sor_engine
from tests.services.loyalty_member import NUMBER, digital_member, stored_loyalty, thb

BOOKED = datetime.fromisoformat("2026-11-20T10:00:00+07:00")
STAFF = Caller(role="staff", id="staff:0123456789abcdef", program="SIAM", name="Back office")


@pytest.fixture
def backends(tmp_path) -> Backends:
    engine = sor_engine(tmp_path)
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    digital_member(backends)
    return backends


def book(
    backends: Backends, booking: str = "B-1", amount: str = "500.00", booked_at: datetime = BOOKED
) -> BookingPoints:
    return record_booking(backends, "SIAM", NUMBER, booking, thb(amount), booked_at)


def member_of(backends: Backends) -> DigitalMembership:
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
    return load(DigitalMembership, stored)


def outbox(backends: Backends) -> list[Notification]:
    assert isinstance(backends.notifier, OutboxNotifier)
    return [n for _, n in backends.notifier.sent("SIAM")]


def test_a_booking_over_the_minimum_earns_a_point_expiring_at_the_end_of_the_fourth_month(
    backends,
):
    earned = book(backends)

    assert (earned.points, earned.replayed) == (1, False)
    assert earned.expires_at == datetime.fromisoformat("2027-03-31T23:59:59+07:00")
    assert earned.expires_at.isoformat() == "2027-03-31T23:59:59+07:00"
    assert stored_loyalty(backends)["balance"] == 1


def test_a_booking_of_exactly_the_minimum_earns_nothing_and_its_id_never_earns(backends):
    assert book(backends, amount="100.00").points == 0
    assert book(backends, amount="900.00").points == 0  # the same booking id, replayed
    assert book(backends, "B-2", amount="100.01").points == 1
    assert stored_loyalty(backends)["balance"] == 1


def test_a_replayed_booking_answers_the_first_earning_and_awards_nothing(backends):
    first = book(backends)
    etag = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER).etag

    again = book(backends, amount="900.00", booked_at=BOOKED - timedelta(days=30))

    assert again == replace(first, replayed=True)
    assert backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER).etag == etag
    assert stored_loyalty(backends)["balance"] == 1


def test_a_booking_reaching_a_threshold_grants_the_tier_and_sets_the_next_due(backends):
    book(backends, "B-1")
    book(backends, "B-2")

    loyalty = stored_loyalty(backends)
    assert loyalty["tier"] == "silver"
    assert loyalty["nextDue"] is not None
    view = loyalty_view(backends, member_of(backends))
    assert view.standing.tier_image == "https://img.example/silver.png"
    assert view.standing.balance == 2


def test_a_booking_in_another_currency_is_refused_naming_the_currency(backends):
    with pytest.raises(InvalidField) as refused:
        record_booking(
            backends,
            "SIAM",
            NUMBER,
            "B-1",
            thb("500").model_copy(update={"currency": "USD"}),
            BOOKED,
        )
    assert refused.value.field == "currency"


def test_a_booking_time_without_an_offset_is_refused_naming_it(backends):
    with pytest.raises(InvalidField) as refused:
        book(backends, booked_at=BOOKED.replace(tzinfo=None))
    assert refused.value.field == "bookedAt"


def test_a_booking_of_an_unknown_membership_is_not_found(backends):
    with pytest.raises(MembershipNotFound):
        record_booking(backends, "SIAM", "SIAM-9999999", "B-1", thb("500"), BOOKED)


def test_the_confirmation_email_goes_to_the_member_once_per_booking(backends):
    book(backends)
    book(backends)  # the booking system's replay

    (email,) = outbox(backends)
    assert email.to == "ploy@example.com"
    assert email.idempotency_key == f"{NUMBER}:booking:B-1"
    assert "B-1" in (email.subject or "")
    assert "500.00 THB" in (email.text or "")
    assert email.data["expiresOn"] == "2027-03-31"


def test_a_member_without_an_email_gets_no_confirmation_but_earns(backends):
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
    body = stored.body | {"membership": stored.body["membership"] | {"email": None}}
    backends.documents.replace(Container.MEMBERSHIPS, body, if_match=stored.etag)

    assert book(backends).points == 1
    assert outbox(backends) == []


class DownNotifier:
    def send(self, notification: Notification) -> str:
        raise NotifierUnavailable("the provider is down")


def test_a_notifier_failure_keeps_the_booking_and_its_retry_sends_the_email_once(backends):
    earned = book(replace(backends, notifier=DownNotifier()))

    assert earned.points == 1
    assert stored_loyalty(backends)["balance"] == 1
    assert outbox(backends) == []
    assert book(backends) == replace(earned, replayed=True)  # the booking system's retry
    book(backends)
    assert len(outbox(backends)) == 1


def test_a_cancelled_booking_takes_its_points_back_once(backends):
    book(backends)

    first = cancel_booking(backends, "SIAM", NUMBER, "B-1")
    again = cancel_booking(backends, "SIAM", NUMBER, "B-1")

    assert (first.points, first.replayed) == (-1, False)
    assert again == replace(first, replayed=True)
    loyalty = stored_loyalty(backends)
    assert loyalty["balance"] == 0
    reversal = loyalty["ledger"][-1]
    assert (reversal["kind"], reversal["reference"], reversal["points"]) == ("adjust", "B-1", -1)


def test_a_cancellation_after_the_points_expired_takes_nothing_below_zero(backends):
    book(backends, booked_at=datetime.fromisoformat("2026-06-10T10:00:00+07:00"))  # lapsed 31 Oct

    cancelled = cancel_booking(backends, "SIAM", NUMBER, "B-1")

    assert cancelled.points == 0
    assert loyalty_view(backends, member_of(backends)).standing.balance == 0


def test_a_booking_that_earned_nothing_cancels_taking_nothing_and_an_unknown_one_is_not_found(
    backends,
):
    book(backends, amount="100.00")
    assert cancel_booking(backends, "SIAM", NUMBER, "B-1").points == 0
    with pytest.raises(BookingNotFound):
        cancel_booking(backends, "SIAM", NUMBER, "never-booked")


def test_an_adjustment_is_audited_with_its_reason_and_the_staff_key(backends):
    done = adjust_points(backends, STAFF, "SIAM", NUMBER, 12, "  goodwill: late check-in ")

    assert (done.entry.points, done.entry.by, done.entry.reason) == (
        12,
        STAFF.id,
        "goodwill: late check-in",
    )
    assert done.standing.tier == "gold"
    assert done.standing.balance == 12
    assert stored_loyalty(backends)["ledger"][-1]["by"] == STAFF.id


def test_a_debit_below_zero_is_refused_and_writes_nothing(backends):
    book(backends)
    etag = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER).etag

    with pytest.raises(NotEnoughPoints):
        adjust_points(backends, STAFF, "SIAM", NUMBER, -2, "correction")
    assert backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER).etag == etag
    assert adjust_points(backends, STAFF, "SIAM", NUMBER, -1, "correction").standing.balance == 0


def test_staff_of_another_program_find_no_membership(backends):
    other = replace(STAFF, program="LANNA")
    with pytest.raises(MembershipNotFound):
        adjust_points(backends, other, "SIAM", NUMBER, 5, "goodwill")


def test_the_view_shows_points_expiring_within_the_reminder_days_and_movements_newest_first(
    tmp_path,
):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    late_november = datetime.fromisoformat("2026-11-25T09:00:00+07:00")
    backends = embedded_backends(tmp_path, engine=engine, now=late_november)
    digital_member(backends)
    july, august = (datetime.fromisoformat(f"2026-0{m}-10T10:00:00+07:00") for m in (7, 8))
    record_booking(backends, "SIAM", NUMBER, "B-JUL", thb("500"), july)
    record_booking(backends, "SIAM", NUMBER, "B-AUG", thb("500"), august)  # rolls July's on

    view = loyalty_view(backends, member_of(backends))
    assert view.standing.next_expiry is not None
    assert view.standing.next_expiry.isoformat() == "2026-12-31T23:59:59+07:00"
    assert view.standing.expiring_soon == 0  # rolling: both expire end of December
    assert [(r.points, r.expires_at.isoformat()) for r in view.breakdown if r.expires_at] == [
        (2, "2026-12-31T23:59:59+07:00")
    ]
    assert [m.reference for m in view.movements] == ["B-AUG", "B-JUL"]

    backends.clock.advance(timedelta(days=30))  # type: ignore[attr-defined]
    later = loyalty_view(backends, member_of(backends)).standing
    assert (later.expiring_soon, later.next_expiry_points) == (2, 2)


def test_the_search_index_shows_points_tier_and_next_expiry_after_bookings(backends):
    book(backends, "B-1")
    book(backends, "B-2")

    (summary,) = backends.search.search("SIAM", None).items
    assert (summary.points, summary.tier) == (2, "silver")
    assert summary.tier_image == "https://img.example/silver.png"
    assert summary.next_expiry is not None
    assert summary.next_expiry.isoformat() == "2027-03-31T23:59:59+07:00"
    assert summary.next_expiry > NOW
