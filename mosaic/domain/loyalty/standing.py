"""Where a member stands at an instant, as every display shows it (membership summaries, the
app's loyalty view, POS, the booking confirmation e-mail): the active balance, the tier as
it would be re-evaluated now and its image, the next expiry (shown 23:59:59 local) and the
points expiring soon (within the program's reminder days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mosaic.domain.loyalty.balances import balance_at, expiring_soon, next_expiry
from mosaic.domain.loyalty.expiry import shown_expiry
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.loyalty.rules import LoyaltyRules
from mosaic.domain.loyalty.tiers import evaluate_tier


@dataclass(frozen=True)
class Standing:
    balance: int
    tier: str | None
    tier_image: str | None
    tier_expires_at: datetime | None
    next_expiry: datetime | None
    """When the soonest-expiring active points lapse, as shown: 23:59:59 local."""
    next_expiry_points: int
    expiring_soon: int
    """The points of the next expiry when it is within the reminder days, else 0."""


NO_STANDING = Standing(0, None, None, None, None, 0, 0)


def standing(loyalty: Loyalty, rules: LoyaltyRules, now: datetime) -> Standing:
    """The member's standing at `now`, whether or not the daily job has expired what is due:
    a tier past its validity shows as the balance would re-evaluate it."""
    tier = evaluate_tier(loyalty, now, rules).loyalty
    shown = rules.tier(tier.tier)
    soonest = next_expiry(loyalty, now)
    soon = expiring_soon(loyalty, now, rules)
    expires_at = soonest.expires_at if soonest is not None else None
    return Standing(
        balance=balance_at(loyalty, now),
        tier=tier.tier,
        tier_image=shown.image if shown is not None else None,
        tier_expires_at=shown_expiry(tier.tier_expires_at, rules.timezone)
        if tier.tier_expires_at is not None
        else None,
        next_expiry=shown_expiry(expires_at, rules.timezone) if expires_at is not None else None,
        next_expiry_points=soonest.points if soonest is not None else 0,
        expiring_soon=soon.points if soon is not None else 0,
    )
