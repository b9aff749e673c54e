"""The cut-over migration of expiry dates (DESIGN section 8): points carried over from the
old system, whose expiries were never enforced, get end-of-month expiries. Expiries before
the cut-over month (and points without one) move to the end of the cut-over month (10 Aug
2024 -> 30 Sep 2024); later ones round up to the end of their own month (10 Nov 2024 -> 30 Nov
2024). Each move is a `migrate` ledger entry of 0 points; a second run finds every expiry at
a month's end on or after the cut-over month's, and moves nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from mosaic.domain.calendar import start_of_day
from mosaic.domain.errors import InvalidField
from mosaic.domain.loyalty.entries import LedgerEntry, LedgerKind, next_entry_id
from mosaic.domain.loyalty.expiry import end_of_month, expiry_day
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.loyalty.lots import replay

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class ExpiryMove:
    moved_from: datetime | None
    moved_to: datetime
    points: int


@dataclass(frozen=True)
class Migration:
    loyalty: Loyalty
    moves: list[ExpiryMove]

    @property
    def points(self) -> int:
        """The points whose expiry moved."""
        return sum(move.points for move in self.moves)


def cutover_month(month: str) -> date:
    """The first day of a `YYYY-MM` month; raises InvalidField (`cutoverMonth`) otherwise."""
    found = _MONTH.match(month)
    if found is None or not 1 <= int(found[2]) <= 12:
        raise InvalidField("cutoverMonth", "must be a month as YYYY-MM")
    return date(int(found[1]), int(found[2]), 1)


def migrated_expiry(expiry: datetime | None, cutover: date, timezone: str) -> datetime:
    """Where an expiry moves at a cut-over in `cutover`'s month."""
    if expiry is None or expiry < start_of_day(cutover, timezone):
        return end_of_month(cutover, timezone)
    return end_of_month(expiry_day(expiry, timezone), timezone)


def migrate_expiry(loyalty: Loyalty, cutover: date, timezone: str, now: datetime) -> Migration:
    """One `migrate` entry per expiry of the points held that the rule moves, reporting each
    move and its points. Idempotent: a second run moves nothing."""
    held: dict[datetime | None, int] = {}
    for lot in replay(loyalty.ledger):
        if lot.left > 0:
            held[lot.expires_at] = held.get(lot.expires_at, 0) + lot.left
    moves = [
        ExpiryMove(expiry, target, points)
        for expiry, points in held.items()
        if (target := migrated_expiry(expiry, cutover, timezone)) != expiry
    ]
    moves.sort(key=lambda move: (move.moved_from is not None, move.moved_from or move.moved_to))
    entries: list[LedgerEntry] = []
    for move in moves:
        entries.append(
            LedgerEntry(
                id=next_entry_id([*loyalty.ledger, *entries]),
                kind=LedgerKind.MIGRATE,
                points=0,
                at=now,
                expires_at=move.moved_to,
                moved_from=move.moved_from,
                reason=f"expiry moved at the {cutover:%Y-%m} cut-over",
            )
        )
    return Migration(loyalty.appended(*entries), moves)
