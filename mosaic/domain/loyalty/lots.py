"""Lots: the points still held, replayed from the ledger (never stored).

Every positive entry credits a lot with its own expiry; negative entries take points from
lots; rolling earnings and migrate entries move lots' expiries. Replaying the entries in the
order they were appended gives each lot's points left, so the balance, the breakdown by
expiry and what a reversal may take back are all read from the one ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from mosaic.domain.loyalty.entries import LedgerEntry, LedgerKind, is_expiry_move, is_reversal
from mosaic.domain.loyalty.expiry import is_past

_NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(eq=False)
class Lot:
    """Points credited by one entry, and what became of them. `replay` returns fresh lots on
    every call: changing one changes nothing stored."""

    entry: str
    kind: LedgerKind
    reference: str | None
    points: int
    left: int
    expires_at: datetime | None
    expired: int = 0
    """Taken by `expire` entries."""

    def active_at(self, now: datetime) -> bool:
        return self.left > 0 and not is_past(self.expires_at, now)


def replay(ledger: Sequence[LedgerEntry]) -> list[Lot]:
    """Every lot the ledger credited, in crediting order, as the entries left it."""
    lots: list[Lot] = []
    held: list[Lot] = []  # the lots with points left
    earned: dict[str, Lot] = {}
    for entry in ledger:
        if entry.kind is LedgerKind.EXPIRE:
            _expire(held, entry)
        elif is_expiry_move(entry):
            _move(held, entry)
        elif entry.points > 0:
            lot = Lot(
                entry.id, entry.kind, entry.reference, entry.points, entry.points, entry.expires_at
            )
            lots.append(lot)
            held.append(lot)
            if entry.kind is LedgerKind.EARN and entry.reference is not None:
                earned[entry.reference] = lot
            if entry.rolling:
                roll(held, entry.at)
        elif is_reversal(entry):
            own = earned.get(entry.reference or "")
            take_back(held, own, -entry.points, entry.at)
        elif entry.points < 0:
            take([lot for lot in held if lot.active_at(entry.at)], -entry.points)
        held = [lot for lot in held if lot.left > 0]
    return lots


def earning_order(lots: Iterable[Lot]) -> list[Lot]:
    """The order points are taken in: the soonest to expire first (never-expiring last), then
    the oldest: what a member keeps is what lasts longest."""
    return sorted(lots, key=lambda lot: lot.expires_at or _NEVER)


def take(lots: Iterable[Lot], points: int) -> int:
    """Take up to `points` from the lots, soonest expiring first; returns what was taken."""
    wanted = points
    for lot in earning_order(lots):
        taken = min(lot.left, wanted)
        lot.left -= taken
        wanted -= taken
        if wanted == 0:
            break
    return points - wanted


def roll(held: list[Lot], at: datetime) -> None:
    """Rolling mode: every lot still active at `at` now expires with the latest of them."""
    active = [lot for lot in held if lot.expires_at is not None and lot.active_at(at)]
    if active:
        latest = max(lot.expires_at for lot in active if lot.expires_at is not None)
        for lot in active:
            lot.expires_at = latest


def take_back(held: list[Lot], own: Lot | None, points: int, at: datetime) -> None:
    """A reversal takes its booking's own points first, then from the other active lots."""
    active = [lot for lot in held if lot.active_at(at)]
    if own is not None and own in active:
        points -= take([own], points)
    take([lot for lot in active if lot is not own], points)


def reversible(lots: list[Lot], booking: str, at: datetime) -> int:
    """What a reversal of `booking` at `at` takes back: the points it earned that have not
    expired (whether an expire entry took them or their date is past), at most what the
    member holds: a reversal never takes the balance below zero."""
    own = next((lot for lot in lots if is_earning_of(lot, booking)), None)
    if own is None:
        return 0
    lapsed = own.expired + (own.left if is_past(own.expires_at, at) else 0)
    held = sum(lot.left for lot in lots if lot.active_at(at))
    return max(0, min(own.points - lapsed, held))


def is_earning_of(lot: Lot, booking: str) -> bool:
    return lot.kind is LedgerKind.EARN and lot.reference == booking


def _expire(held: list[Lot], entry: LedgerEntry) -> None:
    until = entry.expires_at
    due = [lot for lot in held if lot.expires_at is not None and until and lot.expires_at <= until]
    wanted = -entry.points
    for lot in earning_order(due):
        taken = min(lot.left, wanted)
        lot.left -= taken
        lot.expired += taken
        wanted -= taken


def _move(held: list[Lot], entry: LedgerEntry) -> None:
    for lot in held:
        if lot.expires_at == entry.moved_from:
            lot.expires_at = entry.expires_at
