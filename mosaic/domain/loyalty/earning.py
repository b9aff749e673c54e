"""Points in and out of the ledger: bookings earn, cancellations reverse, staff adjust."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mosaic.domain.base import Money
from mosaic.domain.errors import InvalidField, NotEnoughPoints, ProgramMisconfigured
from mosaic.domain.loyalty.balances import balance_at
from mosaic.domain.loyalty.entries import LedgerEntry, LedgerKind, is_reversal, next_entry_id
from mosaic.domain.loyalty.expiry import expiry_of
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.loyalty.lots import replay, reversible
from mosaic.domain.loyalty.rules import LoyaltyRules


@dataclass(frozen=True)
class Movement:
    """What an operation did: the section after it, the points it moved (positive: in,
    negative: out), its entry (None when it wrote none) and whether it only answered an
    earlier identical operation (a replay writes nothing)."""

    loyalty: Loyalty
    points: int
    entry: LedgerEntry | None
    replayed: bool = False


def points_for(amount: Money, rules: LoyaltyRules) -> int:
    """The points a booking of `amount` earns: the program's points per booking when the
    amount is strictly over the earning minimum (100.00 THB earns nothing, 100.01 earns).
    Raises InvalidField for a negative amount or another currency than the program's."""
    if amount.currency != rules.currency:
        raise InvalidField("amount.currency", f"must be the program's currency, {rules.currency}")
    if amount.amount < 0:
        raise InvalidField("amount.amount", "must not be negative")
    minimum = rules.settings.earning_minimum
    if minimum.currency != rules.currency:
        raise ProgramMisconfigured(
            f"the loyalty earning minimum is in {minimum.currency}, not {rules.currency}"
        )
    return rules.settings.points_per_booking if amount.amount > minimum.amount else 0


def earn(
    loyalty: Loyalty, booking: str, amount: Money, booked_at: datetime, rules: LoyaltyRules
) -> Movement:
    """A booking's points, earned at its booking time and expiring at the end of the month
    `expiryMonths` later (in rolling mode moving every point still active then to that expiry,
    or to a later one they had). Idempotent per booking id: a replay answers the first earning
    and adds nothing. A booking that earns nothing is recorded with 0 points (moving no
    expiry), so the same booking id sent again with another amount cannot earn later."""
    if not booking.strip():
        raise InvalidField("bookingId", "is required")
    if booked_at.tzinfo is None:
        raise InvalidField("bookedAt", "needs a UTC offset")
    first = earning_of(loyalty, booking)
    if first is not None:
        return Movement(loyalty, first.points, first, replayed=True)
    points = points_for(amount, rules)
    entry = LedgerEntry(
        id=next_entry_id(loyalty.ledger),
        kind=LedgerKind.EARN,
        points=points,
        at=booked_at,
        expires_at=expiry_of(booked_at, rules.settings.expiry_months, rules.timezone)
        if points
        else None,
        reason=f"booking of {amount.amount} {amount.currency}",
        reference=booking,
        rolling=rules.rolling and points > 0,
    )
    return Movement(loyalty.appended(entry), points, entry)


def reverse_booking(loyalty: Loyalty, booking: str, now: datetime) -> Movement:
    """A cancelled booking takes back the points it earned: an `adjust` entry naming the
    booking, taking its points that have not expired (none once they have; never the balance
    below zero). Idempotent: a second cancellation answers the first. A booking that earned
    nothing writes nothing."""
    first = next((e for e in loyalty.ledger if is_reversal(e) and e.reference == booking), None)
    if first is not None:
        return Movement(loyalty, first.points, first, replayed=True)
    earned = earning_of(loyalty, booking)
    if earned is None:
        return Movement(loyalty, 0, None)
    points = reversible(replay(loyalty.ledger), booking, now)
    expired = earned.points - points
    reason = "booking cancelled" + (f": {expired} of its points had expired" if expired else "")
    entry = LedgerEntry(
        id=next_entry_id(loyalty.ledger),
        kind=LedgerKind.ADJUST,
        points=-points,
        at=now,
        reason=reason,
        reference=booking,
    )
    return Movement(loyalty.appended(entry), -points, entry)


def adjust(
    loyalty: Loyalty, points: int, reason: str, by: str, now: datetime, rules: LoyaltyRules
) -> Movement:
    """A back-office adjustment, audited by its reason and the staff key id. Points added
    expire like points earned now (without moving others); points taken come from the
    soonest-expiring active points. Raises InvalidField for 0 points or no reason, and
    NotEnoughPoints for taking more than the active balance."""
    if points == 0:
        raise InvalidField("points", "must not be 0")
    if not reason.strip():
        raise InvalidField("reason", "is required")
    held = balance_at(loyalty, now)
    if -points > held:
        raise NotEnoughPoints(f"cannot take {-points} points: the member holds {held}")
    entry = LedgerEntry(
        id=next_entry_id(loyalty.ledger),
        kind=LedgerKind.ADJUST,
        points=points,
        at=now,
        expires_at=expiry_of(now, rules.settings.expiry_months, rules.timezone)
        if points > 0
        else None,
        reason=reason.strip(),
        by=by,
    )
    return Movement(loyalty.appended(entry), points, entry)


def earning_of(loyalty: Loyalty, booking: str) -> LedgerEntry | None:
    """The booking's earning, if it earned."""
    return next(
        (e for e in loyalty.ledger if e.kind is LedgerKind.EARN and e.reference == booking), None
    )
