"""Discount codes (TTL enforced) and PINs (life, single use, burned by wrong tries)."""

from datetime import date, timedelta

import pytest

from mosaic.domain.building import build_membership
from mosaic.domain.discounts import (
    DISCOUNT_HISTORY_DAYS,
    DiscountCodeStatus,
    discount_code_status,
    eligible_offer,
    ensure_consumable,
    usable_code_for,
    with_discount_code,
)
from mosaic.domain.errors import DiscountCodeConsumed, DiscountCodeExpired, OfferNotEligible
from mosaic.domain.membership import Offer, VoucherStatus
from mosaic.domain.pins import PinStatus, live_pin, pin_status, try_pin, with_new_pin
from mosaic.domain.wallet import offers_on, voucher_status_on
from tests.factories import NOW, sor_record, static_voucher

TODAY = date(2026, 11, 21)


def member(**update):
    document = build_membership(sor_record(), None, NOW)
    offer = Offer(
        code="SPA20", title="20% off spa", valid_from=date(2026, 11, 1), valid_to=date(2026, 11, 30)
    )
    return document.model_copy(update={"offers": [offer], **update})


def test_discount_code_expires_to_the_second_of_its_ttl():
    _, code = with_discount_code(member(), "ABCD2345", "SPA20", NOW, ttl_days=30)
    assert code.expires_at == NOW + timedelta(days=30)
    just_before = code.expires_at - timedelta(seconds=1)
    assert discount_code_status(code, just_before) is DiscountCodeStatus.AVAILABLE
    assert discount_code_status(code, code.expires_at) is DiscountCodeStatus.EXPIRED
    with pytest.raises(DiscountCodeExpired):
        ensure_consumable(code, code.expires_at)


def test_consumed_code_is_refused_again():
    _, code = with_discount_code(member(), "ABCD2345", "SPA20", NOW, ttl_days=30)
    used = code.model_copy(update={"consumed_at": NOW + timedelta(hours=1)})
    with pytest.raises(DiscountCodeConsumed):
        ensure_consumable(used, NOW + timedelta(hours=2))


def test_a_usable_code_is_reused_for_its_offer_an_expired_one_is_not():
    document, code = with_discount_code(member(), "ABCD2345", "SPA20", NOW, ttl_days=1)
    assert usable_code_for(document, "SPA20", NOW + timedelta(hours=23)) == code
    assert usable_code_for(document, "SPA20", NOW + timedelta(days=1)) is None


def test_old_ended_codes_are_dropped_from_the_membership():
    document, _ = with_discount_code(member(), "OLDC2345", "SPA20", NOW, ttl_days=1)
    later = NOW + timedelta(days=1 + DISCOUNT_HISTORY_DAYS)
    document, _ = with_discount_code(document, "NEWC2345", "SPA20", later, ttl_days=1)
    assert [c.code for c in document.discount_codes] == ["NEWC2345"]


def test_offer_must_be_the_members_and_valid_today():
    assert eligible_offer(member(), "SPA20", TODAY).code == "SPA20"
    with pytest.raises(OfferNotEligible, match="not one"):
        eligible_offer(member(), "GOLF", TODAY)
    with pytest.raises(OfferNotEligible, match="2026-11-30"):
        eligible_offer(member(), "SPA20", date(2026, 12, 1))


def test_offers_show_their_latest_code_with_its_status_today():
    document, _ = with_discount_code(member(), "ABCD2345", "SPA20", NOW, ttl_days=1)
    [view] = offers_on(document, NOW + timedelta(days=2), TODAY)
    assert view.discount_code is not None
    assert view.discount_code.code == "ABCD2345"
    assert view.discount_code_status is DiscountCodeStatus.EXPIRED
    assert offers_on(document, NOW, date(2026, 12, 1)) == []


def test_available_voucher_past_its_last_day_shows_expired():
    voucher = static_voucher(valid_to=TODAY)
    document = build_membership(sor_record(static_vouchers=[voucher]), None, NOW)
    [stored] = document.static_vouchers
    assert voucher_status_on(stored, TODAY) is VoucherStatus.AVAILABLE
    assert voucher_status_on(stored, TODAY + timedelta(days=1)) is VoucherStatus.EXPIRED


def test_pin_lives_its_minutes_then_expires():
    document, pin = with_new_pin(member(), "hash", NOW, ttl_minutes=15)
    assert pin_status(pin, NOW + timedelta(minutes=14, seconds=59), 5) is PinStatus.LIVE
    assert pin_status(pin, NOW + timedelta(minutes=15), 5) is PinStatus.EXPIRED
    check = try_pin(document, True, NOW + timedelta(minutes=16), 5, "agent-1")
    assert not check.opened


def test_pin_opens_once():
    document, _ = with_new_pin(member(), "hash", NOW, ttl_minutes=15)
    first = try_pin(document, True, NOW, 5, "agent-1")
    assert first.opened
    assert first.member.pins[-1].used_by == "agent-1"
    second = try_pin(first.member, True, NOW, 5, "agent-2")
    assert not second.opened
    assert second.status is PinStatus.USED


def test_fifth_wrong_try_burns_the_pin_even_for_the_right_digits_after():
    document, _ = with_new_pin(member(), "hash", NOW, ttl_minutes=15)
    for _ in range(5):
        check = try_pin(document, False, NOW, 5, "agent-1")
        document = check.member
    assert check.status is PinStatus.BURNED
    assert not try_pin(document, True, NOW, 5, "agent-1").opened


def test_a_new_pin_revokes_the_unused_one():
    document, _first = with_new_pin(member(), "first", NOW, ttl_minutes=15)
    document, _second = with_new_pin(document, "second", NOW + timedelta(minutes=1), 15)
    assert document.pins[0].revoked_at is not None
    live = live_pin(document, NOW + timedelta(minutes=2), 5)
    assert live is not None
    assert live.hash == "second"


def test_a_code_never_outlives_its_offer():
    offer_ends = NOW + timedelta(days=2)
    _, code = with_discount_code(member(), "ABCD2345", "SPA20", NOW, 30, offer_ends_at=offer_ends)
    assert code.expires_at == offer_ends
