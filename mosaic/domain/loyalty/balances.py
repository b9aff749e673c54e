"""What a member holds at an instant, derived from the ledger: the active balance, the
breakdown by expiry, the next expiry and the points expiring soon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mosaic.domain.calendar import start_of_day
from mosaic.domain.loyalty.entries import LedgerEntry
from mosaic.domain.loyalty.expiry import expiry_day
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.loyalty.lots import Lot, replay
from mosaic.domain.loyalty.rules import LoyaltyRules


@dataclass(frozen=True)
class ExpiringPoints:
    """Points that expire together: at `expires_at` (None: never)."""

    expires_at: datetime | None
    points: int


def active_lots(loyalty: Loyalty, now: datetime) -> list[Lot]:
    """The lots with points left that have not expired at `now` (whether or not the daily job
    has written their expiry yet)."""
    return [lot for lot in replay(loyalty.ledger) if lot.active_at(now)]


def balance_at(loyalty: Loyalty, now: datetime) -> int:
    """The active balance at `now`: what the member may count on."""
    return sum(lot.left for lot in active_lots(loyalty, now))


def breakdown(loyalty: Loyalty, now: datetime) -> list[ExpiringPoints]:
    """The active points by expiry, soonest first (points that never expire last)."""
    by_expiry: dict[datetime | None, int] = {}
    for lot in active_lots(loyalty, now):
        by_expiry[lot.expires_at] = by_expiry.get(lot.expires_at, 0) + lot.left
    dated = sorted((e, p) for e, p in by_expiry.items() if e is not None)
    rows = [ExpiringPoints(e, p) for e, p in dated]
    if None in by_expiry:
        rows.append(ExpiringPoints(None, by_expiry[None]))
    return rows


def next_expiry(loyalty: Loyalty, now: datetime) -> ExpiringPoints | None:
    """The soonest expiry of the active points, and how many expire then."""
    return next((row for row in breakdown(loyalty, now) if row.expires_at), None)


def reminder_starts(expires_at: datetime, days_before: int, timezone: str) -> datetime:
    """Local midnight `days_before` days before the day of the expiry."""
    return start_of_day(expiry_day(expires_at, timezone) - timedelta(days=days_before), timezone)


def expiring_soon(loyalty: Loyalty, now: datetime, rules: LoyaltyRules) -> ExpiringPoints | None:
    """The points that expire next, when their expiry is within the reminder days (from local
    midnight `reminderDays` before its day): what the app and the reminder show."""
    soonest = next_expiry(loyalty, now)
    if soonest is None or soonest.expires_at is None:
        return None
    starts = reminder_starts(soonest.expires_at, rules.settings.reminder_days, rules.timezone)
    return soonest if now >= starts else None


def last_movements(loyalty: Loyalty, count: int) -> list[LedgerEntry]:
    """The newest `count` ledger entries, newest first."""
    return list(reversed(loyalty.ledger[-count:])) if count > 0 else []
