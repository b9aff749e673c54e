"""An Idempotency-Key is its caller's own (DESIGN section 6): two terminals that happen to
send the same key (a counter, a receipt number) make two requests, never one."""

from datetime import timedelta

import pytest

from mosaic.domain.base import Money
from mosaic.domain.errors import DiscountCodeConsumed, VoucherAlreadyRedeemed
from mosaic.domain.membership import VoucherStatus
from mosaic.services.discount_codes import consume_discount_code, give_discount_code
from mosaic.services.redemptions import redeem_voucher, unredeem_voucher
from mosaic.services.tracking import record_spend
from tests.services.pos_world import AGENT_A, AGENT_B, FOOD, SOR_ONLY, make_world


@pytest.fixture
def world(tmp_path):
    return make_world(tmp_path)


def test_another_terminals_key_does_not_pass_off_a_dynamic_voucher_as_redeemed_by_it(world):
    code = world.dynamic_code()
    redeem_voucher(world.backends, AGENT_A, code, "SIAM-H01", "SIAM-H01-O1", "1")
    with pytest.raises(VoucherAlreadyRedeemed):
        redeem_voucher(world.backends, AGENT_B, code, "SIAM-H02", "SIAM-H02-O1", "1")


def test_another_terminals_key_does_not_pass_off_a_static_voucher_as_redeemed_by_it(world):
    redeem_voucher(world.backends, AGENT_A, FOOD, "SIAM-H01", "SIAM-H01-O1", "1")
    with pytest.raises(VoucherAlreadyRedeemed):
        redeem_voucher(world.backends, AGENT_B, FOOD, "SIAM-H02", "SIAM-H02-O1", "1")
    assert [r["membershipNumber"] for r in world.sor_requests()] == ["SIAM-0000001"]


def test_another_terminals_key_does_not_pass_off_a_voucher_redeemed_in_the_sor(world):
    redeem_voucher(world.backends, AGENT_A, SOR_ONLY, "SIAM-H01", "SIAM-H01-O1", "1")
    with pytest.raises(VoucherAlreadyRedeemed):
        redeem_voucher(world.backends, AGENT_B, SOR_ONLY, "SIAM-H02", "SIAM-H02-O1", "1")


def test_a_static_redemption_after_another_terminals_with_the_same_key_reaches_the_sor(world):
    """A redeems and reverses; B redeems with the key A used: B's redemption is its own SoR
    request, not A's (which the drain may have applied already, or will apply once)."""
    redeem_voucher(world.backends, AGENT_A, FOOD, "SIAM-H01", "SIAM-H01-O1", "1")
    unredeem_voucher(world.backends, AGENT_A, FOOD, "2")
    redeem_voucher(world.backends, AGENT_B, FOOD, "SIAM-H02", "SIAM-H02-O1", "1")
    [voucher] = [v for v in world.member().static_vouchers if v.code == FOOD]
    first, second = voucher.redemptions
    assert first.sor_request != second.sor_request
    assert len(world.sor_requests()) == 3


def test_spend_of_two_outlets_sent_with_the_same_key_is_counted_twice(world):
    before = world.member()
    spend = Money.model_validate({"amount": "100.00", "currency": "THB"})
    record_spend(world.backends, AGENT_A, world.member(), spend, "1")
    after = record_spend(world.backends, AGENT_B, world.member(), spend, "1")
    assert after.counters.tracking_transactions == before.counters.tracking_transactions + 2
    assert len(world.sor_requests()) == 2


def test_another_terminals_key_does_not_pass_off_a_consumed_discount_code(world):
    given = give_discount_code(world.backends, world.member(), "SPA20")
    code = given.code.code
    consume_discount_code(world.backends, "SIAM", code, "SIAM-H01", "SIAM-H01-O1", AGENT_A.id, "1")
    other_desk = AGENT_B.id
    with pytest.raises(DiscountCodeConsumed):
        consume_discount_code(world.backends, "SIAM", code, "SIAM-H01", None, other_desk, "1")
    [stored] = world.member().discount_codes
    assert stored.consumed_by == AGENT_A.id


def test_a_dynamic_voucher_redeemed_reversed_and_redeemed_again_keeps_both_records(world):
    code = world.dynamic_code()
    redeem_voucher(world.backends, AGENT_A, code, "SIAM-H01", "SIAM-H01-O1", "r1")
    unredeem_voucher(world.backends, AGENT_A, code, "u1")
    again = redeem_voucher(world.backends, AGENT_B, code, "SIAM-H02", "SIAM-H02-O1", "r1")
    assert again.voucher.status is VoucherStatus.REDEEMED
    assert len(again.voucher.redemptions) == 2


def test_a_key_used_again_a_day_later_on_a_static_voucher_is_a_new_sor_request(world):
    redeem_voucher(world.backends, AGENT_A, FOOD, "SIAM-H01", "SIAM-H01-O1", "1")
    unredeem_voucher(world.backends, AGENT_A, FOOD, "2")
    world.clock.advance(timedelta(hours=24, seconds=1))
    redeem_voucher(world.backends, AGENT_A, FOOD, "SIAM-H01", "SIAM-H01-O1", "1")
    [voucher] = [v for v in world.member().static_vouchers if v.code == FOOD]
    named = {r.sor_request for r in voucher.redemptions} | {
        r.unredeem_sor_request for r in voucher.redemptions if r.unredeemed_at
    }
    assert named == {r["id"] for r in world.sor_requests()}
    assert len(named) == 3
