"""What members, terminals and staff are shown of a membership's loyalty: its standing now
(balance, tier and image, next expiry, points expiring soon) and, in the app, the breakdown
by expiry and the last movements. From the membership and the program's loyalty rules (kept
by the process, services.programs.program_loyalty): never a second read of the program document."""

from __future__ import annotations

from dataclasses import dataclass

from mosaic.domain.loyalty.balances import ExpiringPoints, breakdown, last_movements
from mosaic.domain.loyalty.entries import LedgerEntry
from mosaic.domain.loyalty.expiry import shown_expiry
from mosaic.domain.loyalty.standing import Standing, standing
from mosaic.domain.membership import DigitalMembership, MembershipSummary, summarize
from mosaic.services.backends import Backends
from mosaic.services.programs import program_loyalty

MOVEMENTS_SHOWN = 20
"""How many ledger movements the app's loyalty view lists, newest first."""


def standing_of(backends: Backends, document: DigitalMembership) -> Standing:
    """The membership's loyalty standing now, by its program's rules."""
    rules = program_loyalty(backends, document.program)
    return standing(document.loyalty, rules, backends.clock.now())


def summary_of(backends: Backends, document: DigitalMembership) -> MembershipSummary:
    """The membership's search index entry, its loyalty standing as of now."""
    return summarize(document, standing_of(backends, document))


@dataclass(frozen=True)
class LoyaltyView:
    """The app's loyalty page."""

    standing: Standing
    reminder_days: int
    breakdown: list[ExpiringPoints]
    """Active points by expiry (shown 23:59:59 local), soonest first."""
    movements: list[LedgerEntry]
    """The last movements, newest first."""
    timezone: str


def loyalty_view(backends: Backends, member: DigitalMembership) -> LoyaltyView:
    rules = program_loyalty(backends, member.program)
    now = backends.clock.now()
    return LoyaltyView(
        standing=standing(member.loyalty, rules, now),
        reminder_days=rules.settings.reminder_days,
        breakdown=[
            ExpiringPoints(shown_expiry(row.expires_at, rules.timezone), row.points)
            if row.expires_at is not None
            else row
            for row in breakdown(member.loyalty, now)
        ],
        movements=last_movements(member.loyalty, MOVEMENTS_SHOWN),
        timezone=rules.timezone,
    )
