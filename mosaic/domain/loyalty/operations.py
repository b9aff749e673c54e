"""The loyalty operations on a membership document, as the services run them: each returns
the document to write (conditional on the etag read), with the tier re-evaluated where the
balance may have risen and `loyalty.nextDue` set again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from mosaic.domain.base import Money
from mosaic.domain.errors import InvalidField
from mosaic.domain.loyalty.due import with_next_due
from mosaic.domain.loyalty.earning import Movement, adjust, earn, reverse_booking
from mosaic.domain.loyalty.entries import LedgerEntry
from mosaic.domain.loyalty.expiring import expire_due
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.loyalty.migration import Migration, migrate_expiry
from mosaic.domain.loyalty.reminders import PENDING, Reminder, reminders_due
from mosaic.domain.loyalty.rules import LoyaltyRules
from mosaic.domain.loyalty.tiers import TierChange, evaluate_tier
from mosaic.domain.membership import Channel, DigitalMembership, NotificationRecord

EARLIEST_BOOKING = datetime(2000, 1, 1, tzinfo=UTC)
BOOKING_CLOCK_SKEW = timedelta(days=1)
"""How far ahead of our clock a booking system's `bookedAt` may be (its clock, its zone)."""


@dataclass(frozen=True)
class Booked:
    document: DigitalMembership
    movement: Movement
    tier: TierChange | None


def book(
    document: DigitalMembership,
    booking: str,
    amount: Money,
    booked_at: datetime,
    rules: LoyaltyRules,
    now: datetime,
) -> Booked:
    """A booking arrives: its points earned (once per booking id), the tier evaluated at
    `now`. A replay changes nothing (not even the tier). A booking time later than a day
    after `now` or before EARLIEST_BOOKING is refused (InvalidField naming `bookedAt`)."""
    if booked_at.tzinfo is not None and not (
        EARLIEST_BOOKING <= booked_at <= now + BOOKING_CLOCK_SKEW
    ):
        raise InvalidField("bookedAt", "must not be in the future, nor before the year 2000")
    movement = earn(document.loyalty, booking, amount, booked_at, rules)
    if movement.replayed:
        return Booked(document, movement, None)
    decision = evaluate_tier(movement.loyalty, now, rules)
    return Booked(_with(document, decision.loyalty, rules, now), movement, decision.change)


def cancel_booking(
    document: DigitalMembership, booking: str, rules: LoyaltyRules, now: datetime
) -> tuple[DigitalMembership, Movement]:
    """A booking is cancelled: its points taken back once (the tier is kept until it lapses)."""
    movement = reverse_booking(document.loyalty, booking, now)
    return _with(document, movement.loyalty, rules, now), movement


def adjust_points(
    document: DigitalMembership,
    points: int,
    reason: str,
    by: str,
    rules: LoyaltyRules,
    now: datetime,
) -> tuple[DigitalMembership, Movement, TierChange | None]:
    """A back-office adjustment, and the tier evaluated (a credit may reach a higher one)."""
    movement = adjust(document.loyalty, points, reason, by, now, rules)
    decision = evaluate_tier(movement.loyalty, now, rules)
    return _with(document, decision.loyalty, rules, now), movement, decision.change


@dataclass(frozen=True)
class DailyOutcome:
    """The daily job's work on one membership: the document to write (points expired, tier
    re-evaluated), and the reminders due, to send and then record (`record_reminders`)."""

    document: DigitalMembership
    expired: list[LedgerEntry]
    tier: TierChange | None
    reminders: list[Reminder]


def run_daily(document: DigitalMembership, rules: LoyaltyRules, now: datetime) -> DailyOutcome:
    """Expire what is due at `now`, re-evaluate the tier, and pick the reminders due (after
    the expiry: points that have just expired get no reminder). Idempotent: run again at the
    same `now` on the written document, it expires nothing more and changes no tier; the same
    reminders stay due until recorded."""
    expiry = expire_due(document.loyalty, now, rules)
    decision = evaluate_tier(expiry.loyalty, now, rules)
    updated = _with(document, decision.loyalty, rules, now)
    return DailyOutcome(
        updated, expiry.entries, decision.change, reminders_due(updated, rules, now)
    )


def record_reminders(
    document: DigitalMembership,
    outcomes: Iterable[tuple[Reminder, str]],
    channel: Channel,
    rules: LoyaltyRules,
    now: datetime,
) -> DigitalMembership:
    """Record each reminder's outcome (`pending` when handed to the notifier before its
    answer is known, `sent`, `refused`) in the membership's notifications, one record per
    key: a new outcome replaces a pending one; a final one stays (the first answer stands)."""
    records = list(document.notifications)
    for reminder, status in outcomes:
        record = NotificationRecord(
            channel=channel,
            template=reminder.template,
            sent_at=now,
            status=status,
            key=reminder.key,
        )
        known = next((i for i, r in enumerate(records) if r.key == reminder.key), None)
        if known is None:
            records.append(record)
        elif records[known].status == PENDING:
            records[known] = record
    return with_next_due(document.model_copy(update={"notifications": records}), rules, now)


def migrate(
    document: DigitalMembership, cutover: date, rules: LoyaltyRules, now: datetime
) -> tuple[DigitalMembership, Migration]:
    migration = migrate_expiry(document.loyalty, cutover, rules.timezone, now)
    return _with(document, migration.loyalty, rules, now), migration


def _with(
    document: DigitalMembership, loyalty: Loyalty, rules: LoyaltyRules, now: datetime
) -> DigitalMembership:
    return with_next_due(document.model_copy(update={"loyalty": loyalty}), rules, now)
