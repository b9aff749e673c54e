"""Spend a POS records at its outlet (DESIGN section 5, `POST /pos/tracking`): a tracking
transaction on the membership and its counters, owed to the SoR until the SoR has it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from mosaic.domain.base import Money
from mosaic.domain.building import counters_of
from mosaic.domain.errors import InvalidField
from mosaic.domain.membership import DigitalMembership, TrackingTransaction

MAX_SPEND = Decimal("999999999999.99")
"""The most a spend counter holds (an amount has 14 digits, 2 of them decimals)."""


def with_tracking(
    member: DigitalMembership,
    id: str,
    hotel: str,
    outlet: str,
    amount: Money,
    at: datetime,
    currency: str,
) -> DigitalMembership:
    """The member with the spend recorded (once per id) and the counters recomputed; spend in
    another currency than the program's is counted, not summed. A spend that would take the
    membership's spend past MAX_SPEND is refused (InvalidField naming the amount)."""
    if any(t.id == id for t in member.tracking_transactions):
        return member
    spend = TrackingTransaction(id=id, hotel=hotel, outlet=outlet, amount=amount, at=at)
    tracking = [*member.tracking_transactions, spend]
    spent = sum((t.amount.amount for t in tracking if t.amount.currency == currency), Decimal(0))
    if spent > MAX_SPEND:
        raise InvalidField(
            "amount",
            f"would take the membership's spend past {MAX_SPEND} {currency}, the most it holds",
        )
    return member.model_copy(
        update={
            "tracking_transactions": tracking,
            "tracking_recorded": [*member.tracking_recorded, spend],
            "counters": counters_of(tracking, member.reservation_transactions, currency),
        }
    )
