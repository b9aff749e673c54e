"""Ledger entries: the append-only record of a membership's points."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from mosaic.domain.base import StoredModel


class LedgerKind(StrEnum):
    EARN = "earn"
    EXPIRE = "expire"
    ADJUST = "adjust"
    MIGRATE = "migrate"


class LedgerEntry(StoredModel):
    """One movement of points. A positive entry credits a lot of points that expires at
    `expires_at` (None: never); a negative one takes points from lots; an `expire` entry takes
    what is left of the lots expiring at or before its `expires_at`; an `adjust` entry with a
    booking as `reference` reverses that booking's earning; a `migrate` entry of 0 points
    moves the expiry of the lots expiring at `moved_from` to `expires_at`."""

    id: str
    kind: LedgerKind
    points: int
    at: datetime = Field(description="when the points moved (an earning: the booking's time)")
    expires_at: datetime | None = None
    reason: str
    reference: str | None = Field(default=None, description="the booking id, if any")
    rolling: bool = Field(
        default=False,
        description="an earning in rolling mode: it moved every point still active at its time "
        "to its own expiry, or to a later one those points had",
    )
    by: str | None = Field(default=None, description="the staff key id of a manual adjustment")
    moved_from: datetime | None = Field(
        default=None, description="a migrate entry of 0 points: the expiry it moved (None: none)"
    )


def is_reversal(entry: LedgerEntry) -> bool:
    """A cancelled booking's reversal: an adjustment naming the booking."""
    return entry.kind is LedgerKind.ADJUST and entry.reference is not None and entry.points <= 0


def is_expiry_move(entry: LedgerEntry) -> bool:
    return entry.kind is LedgerKind.MIGRATE and entry.points == 0


def next_entry_id(ledger: list[LedgerEntry]) -> str:
    """A new entry's id: `e<n>`, n one more than the entries so far (unique in the ledger)."""
    taken = {e.id for e in ledger}
    n = len(ledger) + 1
    while f"e{n}" in taken:
        n += 1
    return f"e{n}"
