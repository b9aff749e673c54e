"""What a member sees in the app, judged on the program's business date: a voucher or an
offer past its last day is expired whether or not a refresh has marked it yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from mosaic.domain.discounts import DiscountCodeStatus, discount_code_status
from mosaic.domain.membership import DigitalMembership, DiscountCode, Offer, Voucher, VoucherStatus


def voucher_status_on(voucher: Voucher, today: date) -> VoucherStatus:
    """An available voucher whose last day has passed is expired."""
    if voucher.status is VoucherStatus.AVAILABLE and today > voucher.valid_to:
        return VoucherStatus.EXPIRED
    return voucher.status


@dataclass(frozen=True)
class OfferView:
    offer: Offer
    discount_code: DiscountCode | None
    """The member's latest code of the offer, whatever its status."""
    discount_code_status: DiscountCodeStatus | None


def offers_on(member: DigitalMembership, now: datetime, today: date) -> list[OfferView]:
    """The member's offers that have not ended, each with its latest discount code."""
    views = []
    for offer in member.offers:
        if offer.valid_to < today:
            continue
        codes = [c for c in member.discount_codes if c.offer == offer.code]
        latest = max(codes, key=lambda c: c.created_at, default=None)
        status = discount_code_status(latest, now) if latest is not None else None
        views.append(OfferView(offer, latest, status))
    return views
