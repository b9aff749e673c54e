"""POS services at their edges: retries after a crash, races, spend across a refresh,
discount codes to the second and at the wrong hotel, policies after a reversal."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.domain.base import Money
from mosaic.domain.errors import (
    DiscountCodeConsumed,
    DiscountCodeExpired,
    DiscountCodeNotFound,
    DiscountCodeNotValidHere,
    MosaicError,
    PolicyRefused,
    VoucherAlreadyRedeemed,
)
from mosaic.domain.idempotency import Answer, request_fingerprint
from mosaic.domain.membership import VoucherStatus
from mosaic.services import redemptions
from mosaic.services.discount_codes import consume_discount_code, give_discount_code
from mosaic.services.idempotency import answer_once
from mosaic.services.redemptions import redeem_voucher, unredeem_voucher
from mosaic.services.tracking import record_spend
from tests.services.pos_world import (
    AGENT_A,
    AGENT_B,
    FOOD,
    FRONT_DESK,
    OTHER_FOOD,
    SOR_ONLY,
    make_world,
)

H01 = ("SIAM-H01", "SIAM-H01-O1")
H02 = ("SIAM-H02", "SIAM-H02-O1")


@pytest.fixture
def world(tmp_path):
    return make_world(tmp_path)


def test_an_unredemption_sent_again_after_it_was_done_answers_it_again(world):
    """The answer of a reversal may be lost (a crash after the write, before the key keeps
    it): the terminal's retry with the same key gets the reversal, not a 409."""
    code = world.dynamic_code()
    redeem_voucher(world.backends, AGENT_A, code, *H01, "r1")
    first = unredeem_voucher(world.backends, AGENT_A, code, "u1")
    again = unredeem_voucher(world.backends, AGENT_A, code, "u1")
    assert again.voucher == first.voucher
    assert again.voucher.status is VoucherStatus.AVAILABLE


def test_a_redemption_sent_again_after_it_was_reversed_is_not_made_twice(world):
    """A redeems but its answer is lost (a crash after the write); the desk reverses it;
    A's retry with the same key is the same request: it redeems nothing again. The same key
    a day later is a new request."""
    code = world.dynamic_code()
    redeem_voucher(world.backends, AGENT_A, code, *H01, "r1")
    unredeem_voucher(world.backends, FRONT_DESK, code, "u1")
    again = redeem_voucher(world.backends, AGENT_A, code, *H01, "r1")
    assert again.voucher.status is VoucherStatus.AVAILABLE
    assert len(again.voucher.redemptions) == 1
    world.clock.advance(timedelta(hours=24, seconds=1))
    later = redeem_voucher(world.backends, AGENT_A, code, *H01, "r1")
    assert later.voucher.status is VoucherStatus.REDEEMED
    assert len(later.voucher.redemptions) == 2


def redeem_dying_at_the_write(world, monkeypatch, key):
    """A redeems FOOD and its process dies as it writes the membership: the SoR request is
    stored, the redemption is not."""

    def crash(*args, **kwargs):
        raise RuntimeError("the process died")

    with monkeypatch.context() as patched:
        patched.setattr(world.backends.documents, "replace", crash)
        with pytest.raises(RuntimeError):
            redeem_voucher(world.backends, AGENT_A, FOOD, *H01, key)


def test_a_redemption_retried_after_a_crash_and_others_meanwhile_is_queued_after_them(
    world, monkeypatch
):
    """A crashes between storing its SoR request and writing the membership; B redeems and
    reverses the voucher; A's retry then redeems it. The SoR requests, in the order they were
    created (the drain's order), must end with A's redemption, as the membership does."""
    redeem_dying_at_the_write(world, monkeypatch, "a-1")
    for step in (
        lambda: redeem_voucher(world.backends, AGENT_B, FOOD, *H02, "b-1"),
        lambda: unredeem_voucher(world.backends, AGENT_B, FOOD, "b-2"),
        lambda: redeem_voucher(world.backends, AGENT_A, FOOD, *H01, "a-1"),
    ):
        world.clock.advance(timedelta(seconds=1))
        step()
    assert_queued_in_membership_order(world, FOOD)


def assert_queued_in_membership_order(world, code):
    """The SoR requests the voucher's history names, in creation order, are its events in
    the order the membership records them."""
    [voucher] = [v for v in world.member().static_vouchers if v.code == code]
    events = []
    for r in voucher.redemptions:
        events += [r.sor_request] + ([r.unredeem_sor_request] if r.unredeemed_at else [])
    created = {r["id"]: str(r["createdAt"]) for r in world.sor_requests()}
    assert sorted(events, key=created.__getitem__) == events
    assert len(set(events)) == len(events)


def test_a_redemption_that_lost_a_race_and_decided_again_is_queued_after_the_winners(
    world, monkeypatch
):
    """A reads the voucher; meanwhile B redeems and reverses it; A's write then conflicts,
    A re-reads and redeems. In the SoR requests' creation order (the drain's), A's comes
    last, as on the membership."""
    write = redemptions._change_membership

    def others_first(backends, member, change):
        monkeypatch.setattr(redemptions, "_change_membership", write)
        world.clock.advance(timedelta(seconds=1))
        redeem_voucher(world.backends, AGENT_B, FOOD, *H02, "b-1")
        world.clock.advance(timedelta(seconds=1))
        unredeem_voucher(world.backends, AGENT_B, FOOD, "b-2")
        world.clock.advance(timedelta(seconds=1))
        return write(backends, member, change)

    monkeypatch.setattr(redemptions, "_change_membership", others_first)
    redeem_voucher(world.backends, AGENT_A, FOOD, *H01, "a-1")
    assert_queued_in_membership_order(world, FOOD)


def test_redeem_and_unredeem_racing_leave_a_history_every_answer_agrees_with(world):
    code = world.dynamic_code()
    redeem_voucher(world.backends, AGENT_A, code, *H01, "first")

    def attempt(n):
        try:
            if n % 2:
                redeem_voucher(world.backends, AGENT_A, code, *H01, f"r{n}")
            else:
                unredeem_voucher(world.backends, FRONT_DESK, code, f"u{n}")
        except MosaicError:
            return None
        return n % 2

    with ThreadPoolExecutor(8) as pool:
        done = [d for d in pool.map(attempt, range(24)) if d is not None]
    voucher = next(v for v in world.member().dynamic_vouchers if v.code == code)
    assert len(voucher.redemptions) == 1 + done.count(1)
    assert sum(r.unredeemed_at is not None for r in voucher.redemptions) == done.count(0)
    assert all(r.unredeemed_at for r in voucher.redemptions[:-1])
    live = voucher.redemptions[-1].unredeemed_at is None
    assert voucher.status is (VoucherStatus.REDEEMED if live else VoucherStatus.AVAILABLE)


def test_max_per_day_counts_no_reversed_redemption(world):
    world.set_policy("food", {"rule": "maxPerDay", "limit": 1})
    redeem_voucher(world.backends, AGENT_A, FOOD, *H01, "r1")
    with pytest.raises(PolicyRefused) as refused:
        redeem_voucher(world.backends, AGENT_A, OTHER_FOOD, *H01, "r2")
    assert refused.value.rule == "maxPerDay"
    unredeem_voucher(world.backends, AGENT_A, FOOD, "u1")
    redeem_voucher(world.backends, AGENT_A, OTHER_FOOD, *H01, "r3")


def test_spend_recorded_here_survives_a_refresh_and_counts_once(world):
    spend = Money.model_validate({"amount": "100.00", "currency": "THB"})
    before = world.member().counters
    record_spend(world.backends, AGENT_A, world.member(), spend, "s1")
    refreshed = world.refresh()
    assert refreshed.counters.tracking_transactions == before.tracking_transactions + 1
    assert refreshed.counters.food_and_beverage_spend.amount == (
        before.food_and_beverage_spend.amount + 100
    )


def given_code(world) -> tuple[str, object]:
    given = give_discount_code(world.backends, world.member(), "SPA20")
    return given.code.code, given.code.expires_at


def test_a_discount_code_is_consumed_until_the_second_it_expires(world):
    code, expires_at = given_code(world)
    world.clock.advance(expires_at - world.clock.now())
    with pytest.raises(DiscountCodeExpired):
        consume_discount_code(world.backends, "SIAM", code, *H01, AGENT_A.id, "c1")
    world.clock.advance(timedelta(microseconds=-1))
    consume_discount_code(world.backends, "SIAM", code, *H01, AGENT_A.id, "c2")


def test_parallel_consumptions_of_a_discount_code_one_succeeds(world):
    code, _ = given_code(world)

    def consume(n):
        try:
            consume_discount_code(world.backends, "SIAM", code, *H01, AGENT_A.id, f"k{n}")
        except DiscountCodeConsumed:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(consume, range(12))) == [False] * 11 + [True]


def test_a_discount_code_of_a_hotels_offer_is_refused_elsewhere_even_once_the_offer_ended(world):
    code, _ = given_code(world)
    with pytest.raises(DiscountCodeNotValidHere):
        consume_discount_code(world.backends, "SIAM", code, *H02, AGENT_B.id, "c1")
    with world.engine.begin() as c:
        c.execute(
            sa.update(t.offers).values(valid_to=date(2026, 11, 20), updated_at=world.clock.now())
        )
    assert world.refresh().offers == []
    with pytest.raises(DiscountCodeNotValidHere):
        consume_discount_code(world.backends, "SIAM", code, *H02, AGENT_B.id, "c2")


def test_terminals_racing_for_a_voucher_of_a_member_not_digital_redeem_it_once_in_the_sor(world):
    def attempt(n):
        caller = AGENT_A if n % 2 else AGENT_B
        try:
            return redeem_voucher(world.backends, caller, SOR_ONLY, *H01, f"k{n % 4}").voucher
        except VoucherAlreadyRedeemed:
            return None

    with ThreadPoolExecutor(8) as pool:
        won = [v for v in pool.map(attempt, range(16)) if v is not None]
    # Retries of the winning request (its caller and key) answer alike; no other wins.
    assert {(v.status, v.redemptions[0].redeemed_at) for v in won} == {
        (VoucherStatus.REDEEMED, world.clock.now())
    }
    assert 1 <= len(won) <= 4
    with world.engine.connect() as c:
        applied = c.execute(sa.select(sa.func.count()).select_from(t.applied_requests)).scalar()
    assert applied == 1


def test_a_redemption_is_answered_again_for_24_hours_then_its_key_is_a_new_request(world):
    code = world.dynamic_code()

    def redeem_once() -> int:
        answer = answer_once(
            world.backends,
            program="SIAM",
            caller=AGENT_A.id,
            key="once",
            fingerprint=request_fingerprint("POST pos/vouchers/redeem", {"voucherCode": code}),
            run=lambda: Answer(
                200,
                {"code": redeem_voucher(world.backends, AGENT_A, code, *H01, "once").voucher.code},
            ),
            refusal=lambda error: Answer(409, {"title": error.title}),
        )
        return answer.status

    assert redeem_once() == 200
    world.clock.advance(timedelta(hours=23, minutes=59))
    assert redeem_once() == 200
    world.clock.advance(timedelta(minutes=1, seconds=1))
    assert redeem_once() == 409


def test_terminals_racing_for_a_static_voucher_redeem_it_once_and_owe_the_sor_one_request(world):
    def attempt(n):
        try:
            redeem_voucher(world.backends, AGENT_A, FOOD, *H01, f"k{n}")
        except VoucherAlreadyRedeemed:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(attempt, range(12))) == [False] * 11 + [True]
    [voucher] = [v for v in world.member().static_vouchers if v.code == FOOD]
    [redemption] = voucher.redemptions
    assert redemption.sor_request in {r["id"] for r in world.sor_requests()}


def test_a_request_stored_for_a_write_that_never_happened_is_named_by_no_membership(
    world, monkeypatch
):
    """The drain applies a request only when the membership records it (sor_requests)."""
    redeem_dying_at_the_write(world, monkeypatch, "a-1")
    [orphan] = world.sor_requests()
    assert orphan["status"] == "pending"
    redeem_voucher(world.backends, AGENT_B, FOOD, *H02, "b-1")
    [voucher] = [v for v in world.member().static_vouchers if v.code == FOOD]
    assert [r.sor_request for r in voucher.redemptions] != [orphan["id"]]
    assert len(world.sor_requests()) == 2


def test_a_terminal_reverses_no_redemption_made_at_another_hotel(world):
    code = world.dynamic_code()
    redeem_voucher(world.backends, AGENT_A, code, *H01, "r1")
    with pytest.raises(MosaicError):
        unredeem_voucher(world.backends, AGENT_B, code, "u1")


def test_a_discount_code_is_not_found_by_another_programs_terminal(world):
    code, _ = given_code(world)
    with pytest.raises(DiscountCodeNotFound):
        consume_discount_code(world.backends, "ANDA", code, *H01, "agent:dddd", "c1")
