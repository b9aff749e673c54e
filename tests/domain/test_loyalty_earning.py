"""Earning, reversing and adjusting points; the balance and breakdown read from the ledger."""

from datetime import UTC, datetime

import pytest

from mosaic.domain.errors import InvalidField, NotEnoughPoints
from mosaic.domain.loyalty.balances import (
    ExpiringPoints,
    balance_at,
    breakdown,
    expiring_soon,
    last_movements,
    next_expiry,
)
from mosaic.domain.loyalty.earning import adjust, earn, points_for, reverse_booking
from mosaic.domain.loyalty.entries import LedgerKind
from mosaic.domain.loyalty.expiring import expire_due
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.membership import DigitalMembership
from tests.domain.loyalty_factories import (
    at,
    booking_id,
    earned,
    end_of,
    membership,
    rules,
    thb,
)


@pytest.mark.parametrize(
    ("amount", "points"),
    [("100.00", 0), ("100.01", 1), ("99.99", 0), ("0.00", 0), ("25000.00", 1)],
)
def test_a_booking_earns_only_when_strictly_over_the_minimum(amount, points):
    assert points_for(thb(amount), rules()) == points


def test_a_booking_of_exactly_100_earns_nothing_and_100_01_earns_one_point():
    at_minimum = earn(Loyalty(), "B-100", thb("100.00"), at(2024, 1, 10), rules())
    over = earn(Loyalty(), "B-101", thb("100.01"), at(2024, 1, 10), rules())

    assert at_minimum.points == 0
    assert at_minimum.loyalty.balance == 0
    assert at_minimum.loyalty.next_expiry is None
    assert at_minimum.entry is not None
    assert (at_minimum.entry.points, at_minimum.entry.expires_at) == (0, None)
    assert over.points == 1
    assert over.loyalty.balance == 1
    assert over.entry is not None
    assert over.entry.kind is LedgerKind.EARN
    assert over.entry.reference == "B-101"
    assert over.entry.expires_at == end_of(2024, 5, 31)


def test_a_booking_that_earned_nothing_cannot_earn_when_sent_again_with_another_amount():
    first = earn(Loyalty(), "B-100", thb("100.00"), at(2024, 1, 10), rules())

    again = earn(first.loyalty, "B-100", thb("9000.00"), at(2024, 1, 10), rules())

    assert (again.points, again.replayed, again.loyalty.balance) == (0, True, 0)


def test_a_booking_that_earned_nothing_moves_no_rolling_expiry():
    held = earn(Loyalty(), "B-1", thb("500.00"), at(2024, 1, 10), rules()).loyalty

    later = earn(held, "B-2", thb("100.00"), at(2024, 3, 10), rules()).loyalty

    assert later.next_expiry == end_of(2024, 5, 31)


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        (thb("-1.00"), "amount.amount"),
        (thb("500").model_copy(update={"currency": "USD"}), "amount.currency"),
    ],
)
def test_a_negative_amount_or_another_currency_is_refused_naming_the_field(amount, field):
    with pytest.raises(InvalidField) as refused:
        earn(Loyalty(), "B1", amount, at(2024, 1, 10), rules())
    assert refused.value.field == field


def test_a_booking_time_without_an_offset_is_refused():
    with pytest.raises(InvalidField, match="bookedAt"):
        earn(Loyalty(), "B1", thb("500"), datetime(2024, 1, 10, 12), rules())


def test_a_replayed_booking_answers_the_first_earning_and_adds_nothing():
    first = earn(Loyalty(), "B-7", thb("500"), at(2024, 1, 10), rules())

    again = earn(first.loyalty, "B-7", thb("900"), at(2024, 3, 1), rules())

    assert again.replayed
    assert again.entry == first.entry
    assert again.loyalty is first.loyalty
    assert again.loyalty.balance == 1


def test_lot_mode_expires_each_earning_on_its_own():
    loyalty = earned(at(2024, 1, 10), at(2024, 3, 5), mode="lot")

    assert breakdown(loyalty, at(2024, 3, 6)) == [
        ExpiringPoints(end_of(2024, 5, 31), 1),
        ExpiringPoints(end_of(2024, 7, 31), 1),
    ]
    assert balance_at(loyalty, at(2024, 6, 1, 0)) == 1
    assert balance_at(loyalty, at(2024, 8, 1, 0)) == 0


def test_rolling_mode_moves_every_active_point_to_the_new_earnings_expiry():
    loyalty = earned(at(2024, 1, 10), at(2024, 3, 5), at(2024, 5, 20), mode="rolling")

    assert breakdown(loyalty, at(2024, 5, 21)) == [ExpiringPoints(end_of(2024, 9, 30), 3)]
    assert balance_at(loyalty, at(2024, 9, 30, 23, 59)) == 3
    assert balance_at(loyalty, at(2024, 10, 1, 0)) == 0


def test_rolling_mode_does_not_revive_points_that_expired_before_the_booking():
    loyalty = earned(at(2024, 1, 10), at(2024, 6, 1, 9), mode="rolling")  # Jan's lapsed 31 May

    assert breakdown(loyalty, at(2024, 6, 2)) == [ExpiringPoints(end_of(2024, 10, 31), 1)]


def test_rolling_mode_keeps_a_later_expiry_when_an_older_booking_arrives_late():
    loyalty = earned(at(2024, 4, 2), at(2024, 2, 14), mode="rolling")

    assert breakdown(loyalty, at(2024, 4, 3)) == [ExpiringPoints(end_of(2024, 8, 31), 2)]


def test_a_cancelled_booking_takes_back_its_points_once():
    booked = earn(Loyalty(), "B-9", thb("500"), at(2024, 1, 10), rules(points_per_booking=3))

    cancelled = reverse_booking(booked.loyalty, "B-9", at(2024, 1, 12))
    again = reverse_booking(cancelled.loyalty, "B-9", at(2024, 1, 13))

    assert cancelled.points == -3
    assert cancelled.entry is not None
    assert (cancelled.entry.kind, cancelled.entry.reference) == (LedgerKind.ADJUST, "B-9")
    assert balance_at(cancelled.loyalty, at(2024, 1, 12)) == 0
    assert again.replayed
    assert again.loyalty.ledger == cancelled.loyalty.ledger


def test_a_cancellation_after_the_points_expired_takes_nothing_below_zero():
    lot = rules("lot")
    loyalty = earn(Loyalty(), "B-old", thb("500"), at(2024, 1, 10), lot).loyalty
    loyalty = earn(loyalty, "B-new", thb("500"), at(2024, 4, 10), lot).loyalty
    loyalty = expire_due(loyalty, at(2024, 6, 1, 8), rules()).loyalty

    cancelled = reverse_booking(loyalty, "B-old", at(2024, 6, 5))

    assert cancelled.points == 0
    assert cancelled.entry is not None
    assert "1 of its points had expired" in cancelled.entry.reason
    assert balance_at(cancelled.loyalty, at(2024, 6, 5)) == 1  # B-new's point is kept


def test_a_cancellation_after_expiry_but_before_the_expiry_run_takes_nothing_either():
    loyalty = earned(at(2024, 1, 10), mode="lot")
    booking = loyalty.ledger[0].reference or ""

    cancelled = reverse_booking(loyalty, booking, at(2024, 6, 1, 2))

    assert cancelled.points == 0
    assert expire_due(cancelled.loyalty, at(2024, 6, 1, 8), rules()).points == 1


def test_a_cancellation_takes_from_other_points_what_a_deduction_took_from_its_own():
    lot = rules("lot")
    loyalty = earn(Loyalty(), "B-1", thb("500"), at(2024, 1, 10), lot).loyalty
    loyalty = earn(loyalty, "B-2", thb("500"), at(2024, 3, 10), lot).loyalty
    loyalty = adjust(loyalty, -1, "duplicate", "staff-1", at(2024, 3, 11), lot).loyalty  # B-1's

    cancelled = reverse_booking(loyalty, "B-1", at(2024, 3, 12))

    assert cancelled.points == -1
    assert balance_at(cancelled.loyalty, at(2024, 3, 12)) == 0


def test_cancelling_a_booking_that_earned_nothing_writes_nothing():
    nothing = reverse_booking(Loyalty(), "B-unknown", at(2024, 1, 10))

    assert (nothing.points, nothing.entry, nothing.loyalty.ledger) == (0, None, [])


def test_a_manual_adjustment_is_audited_and_never_takes_the_balance_below_zero():
    loyalty = earned(at(2024, 1, 10), points=2)

    added = adjust(loyalty, 5, " goodwill ", "staff-7", at(2024, 2, 3), rules())
    with pytest.raises(NotEnoughPoints):
        adjust(added.loyalty, -8, "correction", "staff-7", at(2024, 2, 4), rules())
    taken = adjust(added.loyalty, -7, "correction", "staff-7", at(2024, 2, 4), rules())

    assert added.entry is not None
    assert (added.entry.reason, added.entry.by) == ("goodwill", "staff-7")
    assert added.entry.expires_at == end_of(2024, 6, 30)
    assert balance_at(taken.loyalty, at(2024, 2, 4)) == 0


@pytest.mark.parametrize(("points", "reason", "field"), [(0, "x", "points"), (1, " ", "reason")])
def test_an_adjustment_needs_points_and_a_reason(points, reason, field):
    with pytest.raises(InvalidField) as refused:
        adjust(Loyalty(), points, reason, "staff-1", at(2024, 1, 1), rules())
    assert refused.value.field == field


def test_a_deduction_takes_the_soonest_expiring_points_first():
    loyalty = earned(at(2024, 1, 10), at(2024, 3, 5), mode="lot")

    taken = adjust(loyalty, -1, "correction", "staff-1", at(2024, 3, 6), rules("lot")).loyalty

    assert breakdown(taken, at(2024, 3, 6)) == [ExpiringPoints(end_of(2024, 7, 31), 1)]


def test_next_expiry_and_expiring_soon_follow_the_reminder_days():
    loyalty = earned(at(2024, 1, 10), at(2024, 3, 5), mode="lot")

    assert next_expiry(loyalty, at(2024, 5, 1)) == ExpiringPoints(end_of(2024, 5, 31), 1)
    assert expiring_soon(loyalty, at(2024, 5, 23, 23, 59), rules()) is None
    assert expiring_soon(loyalty, at(2024, 5, 24, 0), rules()) == ExpiringPoints(
        end_of(2024, 5, 31), 1
    )
    assert next_expiry(loyalty, at(2024, 6, 1, 0)) == ExpiringPoints(end_of(2024, 7, 31), 1)


def test_the_stored_balance_and_next_expiry_are_derived_and_never_read_back():
    loyalty = earned(at(2024, 1, 10), at(2024, 3, 5), mode="lot")
    body = membership(loyalty).model_dump(mode="json", by_alias=True)

    assert body["loyalty"]["balance"] == 2
    assert body["loyalty"]["nextExpiry"] == "2024-05-31T16:59:59Z"
    tampered = body | {"loyalty": body["loyalty"] | {"balance": 999, "nextExpiry": "1999"}}
    read = DigitalMembership.model_validate(tampered)
    assert read.loyalty.balance == 2
    assert read.model_dump(mode="json", by_alias=True) == body


def test_a_document_without_the_new_fields_still_reads():
    body = membership().model_dump(mode="json", by_alias=True)
    body["loyalty"] = {"balance": 0, "tier": None, "ledger": []}

    read = DigitalMembership.model_validate(body)

    assert (read.loyalty.balance, read.loyalty.next_due, read.loyalty.next_expiry) == (
        0,
        None,
        None,
    )


def test_last_movements_are_the_newest_first():
    loyalty = earned(at(2024, 1, 10), at(2024, 2, 10), at(2024, 3, 10))

    assert [e.at for e in last_movements(loyalty, 2)] == [at(2024, 3, 10), at(2024, 2, 10)]
    assert last_movements(loyalty, 0) == []


def test_every_new_entry_gets_its_own_id():
    loyalty = earned(*(datetime(2024, 1, day, tzinfo=UTC) for day in range(1, 20)))
    loyalty = expire_due(loyalty, at(2025, 1, 1), rules()).loyalty
    loyalty = reverse_booking(loyalty, booking_id(), at(2025, 1, 2)).loyalty

    ids = [e.id for e in loyalty.ledger]
    assert len(set(ids)) == len(ids) == 20
