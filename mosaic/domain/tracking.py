"""Spend a POS records at its outlet (DESIGN section 5, `POST /pos/tracking`): a tracking
transaction on the membership and its counters, owed to the SoR until the SoR has it."""

from __future__ import annotations

from datetime import datetime

from mosaic.domain.base import Money
from mosaic.domain.building import counters_of
from mosaic.domain.membership import DigitalMembership, TrackingTransaction


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
    another currency than the program's is counted, not summed."""
    if any(t.id == id for t in member.tracking_transactions):
        return member
    spend = TrackingTransaction(id=id, hotel=hotel, outlet=outlet, amount=amount, at=at)
    tracking = [*member.tracking_transactions, spend]
    return member.model_copy(
        update={
            "tracking_transactions": tracking,
            "tracking_recorded": [*member.tracking_recorded, spend],
            "counters": counters_of(tracking, member.reservation_transactions, currency),
        }
    )
