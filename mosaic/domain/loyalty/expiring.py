"""The daily expiry: points whose date has passed leave the active balance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mosaic.domain.loyalty.entries import LedgerEntry, LedgerKind, next_entry_id
from mosaic.domain.loyalty.expiry import expiry_day, is_past
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.loyalty.lots import replay
from mosaic.domain.loyalty.rules import LoyaltyRules


@dataclass(frozen=True)
class Expiry:
    loyalty: Loyalty
    entries: list[LedgerEntry]

    @property
    def points(self) -> int:
        """The points expired (a positive count)."""
        return -sum(e.points for e in self.entries)


def expire_due(loyalty: Loyalty, now: datetime, rules: LoyaltyRules) -> Expiry:
    """One negative `expire` entry per expiry passed at `now` that still holds points, taking
    those points' active balance to 0, oldest expiry first. Idempotent: once written, the
    expired lots hold nothing, so running again at the same or a later `now` writes only what
    has expired since."""
    left: dict[datetime, int] = {}
    for lot in replay(loyalty.ledger):
        if lot.left > 0 and lot.expires_at is not None and is_past(lot.expires_at, now):
            left[lot.expires_at] = left.get(lot.expires_at, 0) + lot.left
    entries: list[LedgerEntry] = []
    for expires_at in sorted(left):
        entries.append(
            LedgerEntry(
                id=next_entry_id([*loyalty.ledger, *entries]),
                kind=LedgerKind.EXPIRE,
                points=-left[expires_at],
                at=now,
                expires_at=expires_at,
                reason=f"points expired at the end of {expiry_day(expires_at, rules.timezone)}",
            )
        )
    return Expiry(loyalty.appended(*entries), entries)
