"""Tiers: granted when the active balance reaches a threshold, held until the end of the
month `tierValidityMonths` after the month granted, then re-evaluated from the active
balance. A balance that falls meanwhile (a cancellation, an expiry) does not take a held tier
away; one that reaches a higher tier's threshold grants it at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mosaic.domain.loyalty.balances import balance_at
from mosaic.domain.loyalty.expiry import expiry_of, is_past
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.loyalty.rules import LoyaltyRules
from mosaic.domain.program import Tier


@dataclass(frozen=True)
class TierChange:
    previous: str | None
    tier: str | None
    expires_at: datetime | None
    balance: int = 0
    """The active balance it was decided from."""


@dataclass(frozen=True)
class TierDecision:
    loyalty: Loyalty
    change: TierChange | None
    """None: the tier held unchanged."""


def qualifying_tier(balance: int, rules: LoyaltyRules) -> Tier | None:
    """The highest tier whose threshold the balance reaches."""
    reached = [t for t in rules.settings.tiers if balance >= t.threshold]
    return max(reached, key=lambda t: t.threshold, default=None)


def evaluate_tier(loyalty: Loyalty, now: datetime, rules: LoyaltyRules) -> TierDecision:
    """The tier at `now`. A tier still valid is held, unless the active balance reaches a
        higher one (granted now). A lapsed tier, or none, gives way to the tier the active balance
        reaches, if any, granted now: valid until the end of the month `tierValidityMonths` after
        this one (the same tier again starts a new validity). A tier without an expiry (set before
    tiers expired) is re-evaluated."""
    balance = balance_at(loyalty, now)
    reached = qualifying_tier(balance, rules)
    expires = loyalty.tier_expires_at
    held = loyalty.tier is not None and expires is not None and not is_past(expires, now)
    if held:
        current = rules.tier(loyalty.tier)
        above = reached is not None and (current is None or reached.threshold > current.threshold)
        if not above:
            return TierDecision(loyalty, None)
    if reached is None:
        if loyalty.tier is None:
            return TierDecision(loyalty, None)
        lapsed = loyalty.model_copy(
            update={"tier": None, "tier_granted_at": None, "tier_expires_at": None}
        )
        return TierDecision(lapsed, TierChange(loyalty.tier, None, None, balance))
    expires_at = expiry_of(now, rules.settings.tier_validity_months, rules.timezone)
    granted = loyalty.model_copy(
        update={"tier": reached.name, "tier_granted_at": now, "tier_expires_at": expires_at}
    )
    return TierDecision(granted, TierChange(loyalty.tier, reached.name, expires_at, balance))
