"""Reminders (points expiry, membership renewal), `loyalty.nextDue` and the daily run."""

from datetime import date, datetime

from mosaic.domain.loyalty.balances import reminder_starts
from mosaic.domain.loyalty.due import NEXT_DUE, due_by, next_due, with_next_due
from mosaic.domain.loyalty.expiry import after
from mosaic.domain.loyalty.operations import (
    Booked,
    book,
    cancel_booking,
    record_reminders,
    run_daily,
)
from mosaic.domain.loyalty.reminders import (
    PENDING,
    SENT,
    Reminder,
    ReminderKind,
    idempotency_key,
    reminder_data,
    reminders_due,
    renewal_reminders_due,
)
from mosaic.domain.membership import Channel, DigitalMembership, MembershipMode, MembershipStatus
from tests.domain.loyalty_factories import TIMEZONE, at, earned, end_of, membership, rules, thb

EXPIRES_ON = date(2027, 2, 28)  # the membership's last day


def sent(document: DigitalMembership, reminders: list[Reminder], now: datetime, status: str = SENT):
    return record_reminders(document, [(r, status) for r in reminders], Channel.EMAIL, rules(), now)


def silver_member() -> Booked:
    """Booking B-1 on 10 Jan 2024 earned 5 points: silver until 31 May 2024."""
    five = rules(points_per_booking=5)
    return book(membership(), "B-1", thb("500"), at(2024, 1, 10), five, at(2024, 1, 10))


def keys(reminders: list[Reminder]) -> list[str]:
    return [r.key for r in reminders]


def test_one_points_reminder_per_expiry_date_from_seven_days_before():
    document = membership(earned(at(2024, 1, 10), at(2024, 1, 20), mode="lot"))

    assert reminders_due(document, rules(), at(2024, 5, 23, 23, 59)) == []
    [reminder] = reminders_due(document, rules(), at(2024, 5, 24, 8))

    assert reminder == Reminder(
        ReminderKind.POINTS_EXPIRY,
        "points-expiry:2024-05-31",
        date(2024, 5, 31),
        7,
        2,
        end_of(2024, 5, 31),
    )
    assert reminder.template == "points-expiry"
    assert idempotency_key(document, reminder) == f"{document.id}:points-expiry:2024-05-31"


def test_a_points_reminder_is_sent_once_and_a_pending_one_is_due_again():
    document = membership(earned(at(2024, 1, 10)))
    now = at(2024, 5, 24, 8)
    due = reminders_due(document, rules(), now)

    claimed = sent(document, due, now, PENDING)
    done = sent(claimed, due, at(2024, 5, 24, 8, 1))

    assert keys(reminders_due(claimed, rules(), now)) == keys(due)  # resumed: same key
    assert reminders_due(done, rules(), at(2024, 5, 25, 8)) == []
    assert [(n.key, n.status) for n in done.notifications] == [("points-expiry:2024-05-31", SENT)]


def test_a_rolling_booking_after_the_reminder_brings_a_new_one_for_the_new_date():
    rolling = rules()
    document = membership(earned(at(2024, 1, 10)))
    reminded = sent(
        document, reminders_due(document, rolling, at(2024, 5, 24, 8)), at(2024, 5, 24, 8)
    )

    rebooked = book(
        reminded, "B-late", thb("500"), at(2024, 5, 26), rolling, at(2024, 5, 26)
    ).document

    assert reminders_due(rebooked, rolling, at(2024, 9, 22, 8)) == []
    assert keys(reminders_due(rebooked, rolling, at(2024, 9, 23, 8))) == [
        "points-expiry:2024-09-30"
    ]


def test_renewal_reminders_go_out_30_and_7_days_before_the_membership_expires():
    document = membership()

    assert renewal_reminders_due(document, rules(), at(2027, 1, 28, 23)) == []
    thirty = renewal_reminders_due(document, rules(), at(2027, 1, 29, 8))
    reminded = sent(document, thirty, at(2027, 1, 29, 8))
    assert renewal_reminders_due(reminded, rules(), at(2027, 2, 20, 8)) == []
    seven = renewal_reminders_due(reminded, rules(), at(2027, 2, 21, 8))

    assert keys(thirty) == ["renewal:2027-02-28:30"]
    assert keys(seven) == ["renewal:2027-02-28:7"]
    assert (seven[0].kind, seven[0].expires_on, seven[0].days_before) == (
        ReminderKind.RENEWAL,
        EXPIRES_ON,
        7,
    )
    done = sent(reminded, seven, at(2027, 2, 21, 8))
    assert renewal_reminders_due(done, rules(), at(2027, 2, 27, 8)) == []


def test_a_missed_renewal_reminder_is_not_sent_late_once_the_next_is_due():
    assert keys(renewal_reminders_due(membership(), rules(), at(2027, 2, 10, 8))) == [
        "renewal:2027-02-28:30"
    ]
    assert keys(renewal_reminders_due(membership(), rules(), at(2027, 2, 22, 8))) == [
        "renewal:2027-02-28:7"
    ]
    assert renewal_reminders_due(membership(), rules(), at(2027, 3, 1, 8)) == []


def test_a_renewed_membership_is_reminded_again_for_its_new_expiry():
    reminded = sent(
        membership(),
        renewal_reminders_due(membership(), rules(), at(2027, 2, 21, 8)),
        at(2027, 2, 21, 8),
    )
    renewed = membership(expires_on=date(2028, 2, 29)).model_copy(
        update={"notifications": reminded.notifications}
    )

    assert keys(renewal_reminders_due(renewed, rules(), at(2028, 1, 30, 8))) == [
        "renewal:2028-02-29:30"
    ]


def test_only_active_full_memberships_get_renewal_reminders():
    now = at(2027, 2, 21, 8)
    suspended = membership(status=MembershipStatus.SUSPENDED)
    invitee = membership()
    invitee = invitee.model_copy(
        update={"meta": invitee.meta.model_copy(update={"mode": MembershipMode.INVITEE})}
    )

    assert renewal_reminders_due(suspended, rules(), now) == []
    assert renewal_reminders_due(invitee, rules(), now) == []


def test_the_reminder_shows_points_date_and_tier_image():
    document = membership(earned(at(2024, 1, 10), points=5))
    document = book(document, "B-2", thb("500"), at(2024, 1, 11), rules(), at(2024, 1, 11)).document
    [reminder] = reminders_due(document, rules(), at(2024, 5, 24, 8))

    data = reminder_data(document, reminder, rules())

    assert data["points"] == 6
    assert data["expiresAt"] == "2024-05-31T23:59:59+07:00"
    assert (data["tier"], data["tierImage"]) == ("silver", "https://img.example/silver.png")


def test_next_due_is_the_soonest_reminder_expiry_or_tier_lapse():
    document = membership(earned(at(2024, 1, 10)))
    reminder_day = reminder_starts(end_of(2024, 5, 31), 7, TIMEZONE)
    assert reminder_day == at(2024, 5, 24, 0)

    assert next_due(document, rules(), at(2024, 1, 10)) == reminder_day
    reminded = sent(
        document, reminders_due(document, rules(), at(2024, 5, 24, 8)), at(2024, 5, 24, 8)
    )
    assert reminded.loyalty.next_due == after(end_of(2024, 5, 31))
    expired = run_daily(reminded, rules(), at(2024, 6, 1, 8)).document
    assert expired.loyalty.next_due == at(2027, 1, 29, 0)  # the first renewal reminder's day


def test_next_due_is_stored_as_utc_whole_seconds_that_compare_as_strings():
    document = with_next_due(membership(earned(at(2024, 1, 10))), rules(), at(2024, 1, 10))

    stored = document.model_dump(mode="json", by_alias=True)["loyalty"]["nextDue"]

    assert NEXT_DUE == "loyalty.nextDue"
    assert stored == "2024-05-23T17:00:00Z"  # 24 May 00:00 in Bangkok
    assert due_by(at(2024, 5, 23, 23, 59)) < stored <= due_by(at(2024, 5, 24, 0))
    assert DigitalMembership.model_validate(
        document.model_dump(mode="json", by_alias=True)
    ).loyalty.next_due == at(2024, 5, 24, 0)


def test_a_held_tier_is_due_when_it_lapses():
    document = silver_member().document
    reminded = sent(
        document, reminders_due(document, rules(), at(2024, 5, 24, 8)), at(2024, 5, 24, 8)
    )
    extended = book(reminded, "B-2", thb("500"), at(2024, 5, 30), rules(), at(2024, 5, 30)).document

    assert extended.loyalty.tier_expires_at == end_of(2024, 5, 31)
    assert extended.loyalty.next_due == at(2024, 6, 1, 0)  # the tier's re-evaluation


def test_a_booking_replayed_through_the_document_changes_nothing():
    first = silver_member()

    again = book(first.document, "B-1", thb("500"), at(2024, 1, 10), rules(), at(2024, 1, 12))

    assert first.tier is not None
    assert first.tier.tier == "silver"
    assert again.movement.replayed
    assert again.tier is None
    assert again.document is first.document


def test_a_cancelled_booking_keeps_the_tier_until_it_lapses():
    booked = silver_member()

    document, movement = cancel_booking(booked.document, "B-1", rules(), at(2024, 1, 12))

    assert movement.points == -5
    assert (document.loyalty.balance, document.loyalty.tier) == (0, "silver")
    assert document.loyalty.next_due == at(2024, 6, 1, 0)


def test_the_daily_run_twice_and_resumed_after_a_crash_sends_and_expires_once():
    lot = rules("lot")
    document = membership(earned(at(2024, 1, 10), at(2024, 2, 10), mode="lot"))
    now = at(2024, 6, 24, 8)

    first = run_daily(document, lot, now)
    claimed = record_reminders(
        first.document, [(r, PENDING) for r in first.reminders], Channel.EMAIL, lot, now
    )
    # The job stops here (crash): the reminder was handed over, its outcome never recorded.
    resumed = run_daily(claimed, lot, at(2024, 6, 24, 8, 5))
    finished = record_reminders(
        resumed.document, [(r, SENT) for r in resumed.reminders], Channel.EMAIL, lot, now
    )
    third = run_daily(finished, lot, at(2024, 6, 24, 9))

    assert [e.points for e in first.expired] == [-1]
    assert keys(first.reminders) == keys(resumed.reminders) == ["points-expiry:2024-06-30"]
    assert (resumed.expired, third.expired, third.reminders) == ([], [], [])
    assert [(n.key, n.status) for n in finished.notifications] == [
        ("points-expiry:2024-06-30", SENT)
    ]
    assert finished.loyalty.balance == 1
    assert third.document.loyalty.next_due == after(end_of(2024, 6, 30))


def test_a_final_outcome_is_kept_when_a_reminder_is_recorded_again():
    document = membership(earned(at(2024, 1, 10)))
    now = at(2024, 5, 24, 8)
    due = reminders_due(document, rules(), now)

    done = sent(sent(document, due, now), due, at(2024, 5, 24, 9), PENDING)

    assert [(n.status, n.sent_at) for n in done.notifications] == [(SENT, now)]
