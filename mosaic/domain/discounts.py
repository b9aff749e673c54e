"""Discount codes (DESIGN sections 2 and 5): an 8-character code a member shows at an outlet
to take an offer.

A member asks for a code for an offer they are eligible for today (the program's business
date). It lives `discountCodeTtlDays` from its creation, to the second, and is enforced
everywhere it is read or consumed (the original platform only stored the expiry): a code
past it is expired whatever its stored fields say. Asking again for the same offer while a
code of it is still usable answers that code, so a retried request makes no second one.
Codes that are expired or consumed are kept for DISCOUNT_HISTORY_DAYS, so the member sees
what they used, and then dropped, so the document stays small.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from mosaic.domain.errors import (
    DiscountCodeConsumed,
    DiscountCodeExpired,
    DiscountCodeNotFound,
    DiscountCodeNotValidHere,
    NotAllowedForMembership,
    OfferNotEligible,
)
from mosaic.domain.membership import (
    DigitalMembership,
    DiscountCode,
    MembershipStatus,
    Offer,
)

DISCOUNT_HISTORY_DAYS = 90


class DiscountCodeStatus(StrEnum):
    AVAILABLE = "available"
    CONSUMED = "consumed"
    EXPIRED = "expired"


def discount_code_status(code: DiscountCode, now: datetime) -> DiscountCodeStatus:
    if code.consumed_at is not None:
        return DiscountCodeStatus.CONSUMED
    if now >= code.expires_at:
        return DiscountCodeStatus.EXPIRED
    return DiscountCodeStatus.AVAILABLE


def offer_valid_on(offer: Offer, today: date) -> bool:
    return offer.valid_from <= today <= offer.valid_to


def eligible_offer(member: DigitalMembership, offer_code: str, today: date) -> Offer:
    """The member's offer of that code, valid today; else OfferNotEligible. Only an active
    membership takes an offer (else NotAllowedForMembership): a suspended, cancelled or
    expired one may still list the offers its last refresh gave it."""
    status = member.membership.status
    if status is not MembershipStatus.ACTIVE:
        raise NotAllowedForMembership(f"a membership that is {status.value} gets no discount codes")
    offer = next((o for o in member.offers if o.code == offer_code), None)
    if offer is None:
        raise OfferNotEligible(f"offer {offer_code} is not one this membership is eligible for")
    if not offer_valid_on(offer, today):
        raise OfferNotEligible(
            f"offer {offer_code} runs from {offer.valid_from.isoformat()} to "
            f"{offer.valid_to.isoformat()}, not on {today.isoformat()}"
        )
    return offer


def usable_code_for(member: DigitalMembership, offer: str, now: datetime) -> DiscountCode | None:
    """The member's code for the offer that can still be used, if any."""
    return next(
        (
            c
            for c in member.discount_codes
            if c.offer == offer and discount_code_status(c, now) is DiscountCodeStatus.AVAILABLE
        ),
        None,
    )


def with_discount_code(
    member: DigitalMembership,
    code: str,
    offer: str,
    now: datetime,
    ttl_days: int,
    hotel: str | None = None,
    offer_ends_at: datetime | None = None,
) -> tuple[DigitalMembership, DiscountCode]:
    """The member with a new code for the offer (of `hotel`, None: any), and the codes past
    their history dropped. The code lives `ttl_days`, but never past the end of its offer's
    last day (`offer_ends_at`): a code for an offer that has ended would be refused."""
    expires_at = now + timedelta(days=ttl_days)
    if offer_ends_at is not None:
        expires_at = min(expires_at, offer_ends_at)
    created = DiscountCode(
        code=code, offer=offer, hotel=hotel, created_at=now, expires_at=expires_at
    )
    kept = [c for c in member.discount_codes if _still_kept(c, now)]
    return member.model_copy(update={"discount_codes": [*kept, created]}), created


def _still_kept(code: DiscountCode, now: datetime) -> bool:
    ended = code.consumed_at or code.expires_at
    return now - ended < timedelta(days=DISCOUNT_HISTORY_DAYS)


def ensure_consumable(code: DiscountCode, now: datetime) -> None:
    """A code is consumed once, before it expires."""
    status = discount_code_status(code, now)
    if status is DiscountCodeStatus.CONSUMED:
        assert code.consumed_at is not None
        raise DiscountCodeConsumed(
            f"discount code {code.code} was used at {code.consumed_at.isoformat()}"
        )
    if status is DiscountCodeStatus.EXPIRED:
        raise DiscountCodeExpired(
            f"discount code {code.code} expired at {code.expires_at.isoformat()}"
        )


def consumed(
    member: DigitalMembership,
    code: str,
    now: datetime,
    hotel: str,
    outlet: str | None,
    by: str,
    key: str,
) -> tuple[DigitalMembership, DiscountCode]:
    """The member with the discount code consumed at the hotel (and outlet): refused once
    expired or consumed, and at a hotel other than its offer's (as the code recorded it when
    given: the offer may have left the membership since). Consuming it again by the
    same caller (`by`) with the same idempotency key answers the consumption already made;
    another caller's same key is another request."""
    found = next((c for c in member.discount_codes if c.code == code), None)
    if found is None:
        raise DiscountCodeNotFound(f"no discount code {code} in this program")
    if found.consumed_at is not None and (found.consumed_by, found.consumed_key) == (by, key):
        return member, found
    ensure_consumable(found, now)
    offer = next((o for o in member.offers if o.code == found.offer), None)
    offer_hotel = found.hotel or (offer.hotel if offer is not None else None)
    if offer_hotel is not None and offer_hotel != hotel:
        raise DiscountCodeNotValidHere(
            f"discount code {code} is for offer {found.offer} at {offer_hotel}, not {hotel}"
        )
    used = found.model_copy(
        update={
            "consumed_at": now,
            "consumed_hotel": hotel,
            "consumed_outlet": outlet,
            "consumed_by": by,
            "consumed_key": key,
        }
    )
    codes = [used if c.code == code else c for c in member.discount_codes]
    return member.model_copy(update={"discount_codes": codes}), used
