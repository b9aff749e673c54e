"""The loyalty section of a digital membership: the ledger, the tier, and two index fields.

The balance and the next expiry are computed from the ledger each time the document is
written (never read back), so they cannot disagree with it. `nextDue` is the exception: it
needs the program's rules and the membership's notifications, so the domain sets it
(`due.with_next_due`) on every write of the loyalty section, the reminders or the
membership's expiry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field, PlainSerializer, computed_field, model_validator

from mosaic.domain.base import StoredModel
from mosaic.domain.loyalty.entries import LedgerEntry
from mosaic.domain.loyalty.lots import replay


def index_value(instant: datetime) -> str:
    """An instant as an indexed field holds it: UTC, whole seconds (rounded down), one fixed
    format, so comparing the strings compares the instants."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


IndexedInstant = Annotated[
    datetime, PlainSerializer(index_value, return_type=str, when_used="json")
]

DERIVED = ("balance", "nextExpiry")
"""Fields written for readers and indexes, recomputed from the ledger, never read back."""


class Loyalty(StoredModel):
    ledger: list[LedgerEntry] = Field(default_factory=list)
    tier: str | None = None
    tier_granted_at: datetime | None = None
    tier_expires_at: datetime | None = Field(
        default=None, description="the last instant the tier holds; then it is re-evaluated"
    )
    next_due: IndexedInstant | None = Field(
        default=None,
        description="the first instant the daily job has something to do for this membership "
        "(points to expire, a reminder, a tier to re-evaluate): what it queries by",
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in DERIVED}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def balance(self) -> int:
        """The points the ledger holds: the active balance as of the last expiry run (points
        whose date passed since are still in it until the daily job expires them; see
        `balances.balance_at` for the balance at an instant)."""
        return sum(entry.points for entry in self.ledger)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def next_expiry(self) -> IndexedInstant | None:
        """The soonest expiry of the points the ledger still holds."""
        expiries = [lot.expires_at for lot in replay(self.ledger) if lot.left > 0]
        return min((e for e in expiries if e is not None), default=None)

    def appended(self, *entries: LedgerEntry) -> Loyalty:
        """This section with `entries` added at the end of the ledger."""
        return self.model_copy(update={"ledger": [*self.ledger, *entries]})
