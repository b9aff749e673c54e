"""Discount codes a member asks for (POST /mobile/discount-codes; rules in domain.discounts).

The code is issued in the code index (unique per program, never reused) and recorded on the
membership by a write conditional on its etag. A request for an offer that already has a
usable code answers that code; two requests at once for the same offer make one code, the
loser's issued code opening nothing (its index entry is released).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from mosaic.domain.calendar import local_date, start_of_day
from mosaic.domain.codes import CodeKind, check_discount_code
from mosaic.domain.discounts import consumed, eligible_offer, usable_code_for, with_discount_code
from mosaic.domain.errors import DiscountCodeNotFound, NotAuthenticated
from mosaic.domain.membership import DigitalMembership, DiscountCode
from mosaic.ports.documents import Container, JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.codes import find_code_owner, issue_code, release_codes
from mosaic.services.documents import load, stored_body, update_member, update_with_retries
from mosaic.services.programs import program_settings, program_timezone


@dataclass(frozen=True)
class DiscountCodeGiven:
    code: DiscountCode
    created: bool
    """False: a usable code of the offer was answered instead of a new one."""


def give_discount_code(
    backends: Backends, member: DigitalMembership, offer_code: str
) -> DiscountCodeGiven:
    now = backends.clock.now()
    timezone = program_timezone(backends, member.program)
    today = local_date(now, timezone)
    offer = eligible_offer(member, offer_code, today)
    offer_ends_at = start_of_day(offer.valid_to + timedelta(days=1), timezone)
    ttl_days = program_settings(backends, member.program).discount_code_ttl_days
    issued: list[str] = []
    given: list[DiscountCodeGiven] = []

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        if current is None:
            raise NotAuthenticated("the session's membership is gone; log in again")
        stored = load(DigitalMembership, current)
        offer = eligible_offer(stored, offer_code, today)
        usable = usable_code_for(stored, offer_code, now)
        if usable is not None:
            given[:] = [DiscountCodeGiven(usable, created=False)]
            return None
        if not issued:
            issued.append(
                issue_code(
                    backends.documents,
                    member.program,
                    CodeKind.DISCOUNT,
                    member.id,
                    now,
                    about={"offer": offer_code},
                )
            )
        updated, code = with_discount_code(
            stored, issued[0], offer_code, now, ttl_days, offer.hotel, offer_ends_at
        )
        given[:] = [DiscountCodeGiven(code, created=True)]
        return stored_body(updated)

    update_member(backends.documents, member, decide)
    if issued and not given[-1].created:
        release_codes(
            backends.documents, member.program, member.id, [(CodeKind.DISCOUNT, issued[0])]
        )
    return given[-1]


def consume_discount_code(
    backends: Backends, program: str, code: str, hotel: str, outlet: str | None, by: str, key: str
) -> tuple[str, DiscountCode]:
    """Consume a member's discount code at a place, once (conditional on the etag: of two
    terminals consuming it at once, one succeeds). Its membership's number and the code."""
    check_discount_code(code)
    number = find_code_owner(backends.documents, program, CodeKind.DISCOUNT, code)
    if number is None:
        raise DiscountCodeNotFound(f"no discount code {code} in this program")
    now = backends.clock.now()
    used: list[DiscountCode] = []

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        if current is None:
            raise DiscountCodeNotFound(f"no discount code {code} in this program")
        member, code_used = consumed(
            load(DigitalMembership, current), code, now, hotel, outlet, by, key
        )
        used[:] = [code_used]
        return stored_body(member)

    update_with_retries(backends.documents, Container.MEMBERSHIPS, program, number, decide)
    return number, used[-1]
