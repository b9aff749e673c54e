"""Program rules, bookings and memberships for the loyalty tests (times in Bangkok)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import count
from typing import Any, Literal
from zoneinfo import ZoneInfo

from mosaic.domain.base import Money
from mosaic.domain.loyalty.earning import earn
from mosaic.domain.loyalty.entries import LedgerEntry, LedgerKind
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.loyalty.rules import LoyaltyRules
from mosaic.domain.membership import DigitalMembership
from mosaic.domain.program import LoyaltySettings, Tier
from tests.domain.voucher_factories import member

TIMEZONE = "Asia/Bangkok"
BANGKOK = ZoneInfo(TIMEZONE)
SILVER = Tier(name="silver", threshold=5, image="https://img.example/silver.png")
GOLD = Tier(name="gold", threshold=10, image="https://img.example/gold.png")
_bookings = count(1)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A wall-clock time in Bangkok (UTC+7), as an aware instant."""
    return datetime(year, month, day, hour, minute, tzinfo=BANGKOK)


def end_of(year: int, month: int, day: int) -> datetime:
    """The last instant of that day in Bangkok: an expiry."""
    return datetime(year, month, day, 23, 59, 59, 999999, tzinfo=BANGKOK)


def thb(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="THB")


def rules(
    mode: Literal["rolling", "lot"] = "rolling", timezone: str = TIMEZONE, **settings: Any
) -> LoyaltyRules:
    fields: dict[str, Any] = {"earning_minimum": thb("100.00"), "expiry_mode": mode}
    fields["tiers"] = [SILVER, GOLD]
    return LoyaltyRules(LoyaltySettings(**(fields | settings)), timezone, "THB")


def booking_id() -> str:
    return f"B{next(_bookings)}"


def earned(
    *times: datetime, mode: Literal["rolling", "lot"] = "rolling", points: int = 1
) -> Loyalty:
    """A ledger with one earning booking (of `points` points) at each of `times`."""
    loyalty = Loyalty()
    for booked_at in times:
        loyalty = earn(
            loyalty, booking_id(), thb("500"), booked_at, rules(mode, points_per_booking=points)
        ).loyalty
    return loyalty


def membership(loyalty: Loyalty | None = None, **info: Any) -> DigitalMembership:
    """An active full membership (1 Mar 2026 to 28 Feb 2027) holding `loyalty`."""
    document = member(**info)
    return document.model_copy(update={"loyalty": loyalty or Loyalty()})


def carried_over(*lots: tuple[int, datetime | None]) -> Loyalty:
    """Points carried over from the old system, each lot with its old expiry (None: none)."""
    return Loyalty(
        ledger=[
            LedgerEntry(
                id=f"old{n}",
                kind=LedgerKind.MIGRATE,
                points=points,
                at=at(2024, 1, 1),
                expires_at=expires_at,
                reason="carried over",
            )
            for n, (points, expires_at) in enumerate(lots)
        ]
    )
