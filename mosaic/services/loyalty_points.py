"""Points in and out of a membership's ledger (DESIGN.md section 8): bookings from the
booking system earn, cancelled bookings are reversed, back-office staff adjust.

Each is one read-decide-write of the membership, conditional on its etag and decided again
on a conflict (services.documents.update_with_retries), always through the domain's
`operations` so the tier is evaluated and `loyalty.nextDue` set. The ledger itself makes
bookings and cancellations idempotent: a replay finds the first entry, answers it and writes
nothing. After a write the search index entry is updated (points, tier, expiry shown in the
back office); a booking also e-mails its confirmation (services.booking_emails).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mosaic.domain.base import Money
from mosaic.domain.errors import BookingNotFound, InvalidField, MembershipNotFound
from mosaic.domain.loyalty import operations
from mosaic.domain.loyalty.earning import Movement, earning_of
from mosaic.domain.loyalty.entries import LedgerEntry
from mosaic.domain.loyalty.expiry import shown_expiry
from mosaic.domain.loyalty.rules import LoyaltyRules
from mosaic.domain.loyalty.standing import Standing, standing
from mosaic.domain.membership import DigitalMembership
from mosaic.ports.documents import Container, JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.booking_emails import booking_email_data, send_booking_confirmation
from mosaic.services.callers import Caller
from mosaic.services.documents import load, stored_body, update_with_retries
from mosaic.services.loyalty_views import summary_of
from mosaic.services.programs import program_loyalty

Decide = Callable[[DigitalMembership], DigitalMembership | None]
"""A change of a membership as read: the membership to write, or None to write nothing."""


@dataclass(frozen=True)
class BookingPoints:
    """What a booking (or its cancellation) did to the points: the same answer for every
    replay as for the first request. `points` is the ledger's movement (negative: taken
    back); `at` the entry's time; `expires_at` the earned points' own expiry, as shown."""

    program: str
    membership_number: str
    booking: str
    points: int
    at: datetime | None
    expires_at: datetime | None
    replayed: bool


def record_booking(
    backends: Backends,
    program: str,
    number: str,
    booking: str,
    amount: Money,
    booked_at: datetime,
) -> BookingPoints:
    """A completed booking earns its points by the program's earning rule, once per booking
    id: a replay answers the first earning and awards nothing. The confirmation e-mail
    follows the write (a failure to send it fails nothing). InvalidField for another
    currency than the program's or a booking time without an offset, MembershipNotFound."""
    rules = _rules(backends, program)
    if amount.currency != rules.currency:
        raise InvalidField("currency", f"must be the program's currency, {rules.currency}")
    if booked_at.utcoffset() is None:
        raise InvalidField("bookedAt", "needs a UTC offset")
    now = backends.clock.now()
    outcome: list[operations.Booked] = []

    def decide(member: DigitalMembership) -> DigitalMembership | None:
        booked = operations.book(member, booking, amount, booked_at, rules, now)
        outcome[:] = [booked]
        return (
            None if booked.movement.replayed or booked.movement.entry is None else booked.document
        )

    member = _change(backends, program, number, decide)
    movement = outcome[-1].movement
    answer = _answer(program, number, booking, movement, rules)
    _index(backends, member)
    expires_on = answer.expires_at.date().isoformat() if answer.expires_at else None
    data = booking_email_data(
        member, booking, amount, max(movement.points, 0), expires_on, _standing(member, rules, now)
    )
    send_booking_confirmation(backends, member, booking, data)
    return answer


def cancel_booking(backends: Backends, program: str, number: str, booking: str) -> BookingPoints:
    """A cancelled booking's points are taken back by an adjust entry naming it: those not
    expired yet, never the balance below zero. Idempotent: a second cancellation answers the
    first. BookingNotFound for a booking this membership never had (a booking that earned 0
    points is known: its cancellation is recorded and takes 0)."""
    rules = _rules(backends, program)
    now = backends.clock.now()
    moved: list[Movement] = []

    def decide(member: DigitalMembership) -> DigitalMembership | None:
        if earning_of(member.loyalty, booking) is None:
            raise BookingNotFound(f"no booking {booking} on membership {number}")
        document, movement = operations.cancel_booking(member, booking, rules, now)
        moved[:] = [movement]
        return None if movement.replayed else document

    member = _change(backends, program, number, decide)
    _index(backends, member)
    return _answer(program, number, booking, moved[-1], rules)


@dataclass(frozen=True)
class Adjusted:
    entry: LedgerEntry
    standing: Standing
    timezone: str


def adjust_points(
    backends: Backends, caller: Caller, program: str, number: str, points: int, reason: str
) -> Adjusted:
    """A back-office adjustment, audited with the staff key's id and the reason; points taken
    come from the soonest-expiring ones, and never more than the active balance
    (NotEnoughPoints). Staff adjust their own program's memberships only: another program's
    is not found."""
    if program != caller.program:
        raise MembershipNotFound(f"no membership {number} in program {program}")
    rules = _rules(backends, program)
    now = backends.clock.now()
    moved: list[Movement] = []

    def decide(member: DigitalMembership) -> DigitalMembership:
        document, movement, _ = operations.adjust_points(
            member, points, reason, caller.id, rules, now
        )
        moved[:] = [movement]
        return document

    member = _change(backends, program, number, decide)
    _index(backends, member)
    entry = moved[-1].entry
    assert entry is not None  # an adjustment always writes its entry
    return Adjusted(entry, _standing(member, rules, now), rules.timezone)


def _rules(backends: Backends, program: str) -> LoyaltyRules:
    return program_loyalty(backends, program)


def _standing(member: DigitalMembership, rules: LoyaltyRules, now: datetime) -> Standing:
    return standing(member.loyalty, rules, now)


def _change(
    backends: Backends,
    program: str,
    number: str,
    decide: Decide,
) -> DigitalMembership:
    """Apply `decide` to the stored membership (None: write nothing), conditional on its etag,
    re-read and re-decided on a conflict; the membership as it now stands."""
    latest: list[DigitalMembership] = []

    def body(current: StoredDocument | None) -> JsonDocument | None:
        if current is None:
            raise MembershipNotFound(f"no membership {number} in program {program}")
        member = load(DigitalMembership, current)
        changed = decide(member)
        latest[:] = [changed or member]
        return stored_body(changed) if changed is not None else None

    update_with_retries(backends.documents, Container.MEMBERSHIPS, program, number, body)
    return latest[-1]


def _index(backends: Backends, member: DigitalMembership) -> None:
    backends.search.upsert([summary_of(backends, member)])


def _answer(
    program: str, number: str, booking: str, movement: Movement, rules: LoyaltyRules
) -> BookingPoints:
    entry = movement.entry
    expires_at = entry.expires_at if entry is not None else None
    return BookingPoints(
        program=program,
        membership_number=number,
        booking=booking,
        points=movement.points,
        at=entry.at if entry is not None else None,
        expires_at=shown_expiry(expires_at, rules.timezone) if expires_at else None,
        replayed=movement.replayed,
    )
