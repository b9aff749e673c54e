"""Validating, redeeming and un-redeeming vouchers: the checks in DESIGN section 6's order."""

from datetime import date, timedelta
from typing import Any

import pytest

from mosaic.domain.errors import (
    MembershipNotUsable,
    MosaicError,
    PolicyRefused,
    VoucherAlreadyRedeemed,
    VoucherCancelled,
    VoucherExpired,
    VoucherNotFound,
    VoucherNotRedeemed,
    VoucherNotRedeemedHere,
    VoucherNotValidHere,
    VoucherNotYetValid,
    VoucherRemoved,
)
from mosaic.domain.membership import (
    DigitalMembership,
    MembershipStatus,
    Redemption,
    VoucherStatus,
)
from mosaic.domain.policies import live_redemption
from mosaic.domain.program import AllowedHotels, RedemptionPolicy
from mosaic.domain.redemption import check_redemption, find_voucher, redeemed, unredeemed
from tests.domain.voucher_factories import (
    H01,
    H02,
    TIMEZONE,
    bangkok,
    dynamic,
    member,
    redeem,
    static,
)
from tests.factories import NOW

ONLY_H02 = RedemptionPolicy(rules=[AllowedHotels(hotels=["SIAM-H02"])])


def check(document: DigitalMembership, code: str = "100001", place=H01, now=NOW, policy=None):
    check_redemption(document, find_voucher(document, code), place, now, TIMEZONE, policy)


def test_a_voucher_is_found_by_its_code_static_or_dynamic():
    document = member(dynamic("100001"), static("54321"))
    assert find_voucher(document, "100001").code == "100001"
    assert find_voucher(document, "54321").code == "54321"
    with pytest.raises(VoucherNotFound):
        find_voucher(document, "999999")


def test_an_available_voucher_within_its_window_at_its_hotel_passes():
    check(member(dynamic("100001", hotel="SIAM-H01")), policy=RedemptionPolicy())


@pytest.mark.parametrize(
    "status", [MembershipStatus.SUSPENDED, MembershipStatus.CANCELLED, MembershipStatus.REMOVED]
)
def test_a_membership_not_active_redeems_nothing(status):
    with pytest.raises(MembershipNotUsable, match=str(status)):
        check(member(dynamic("100001"), status=status))


def test_a_membership_redeems_through_its_last_day_in_bangkok():
    document = member(dynamic("100001"), expires_on=date(2026, 11, 21))
    check(document, now=bangkok(2026, 11, 21, 23, 59))
    with pytest.raises(MembershipNotUsable, match="expired on 2026-11-21"):
        check(document, now=bangkok(2026, 11, 22, 0, 30))  # still the 21st in UTC


def test_a_membership_not_started_redeems_nothing():
    with pytest.raises(MembershipNotUsable, match="starts on"):
        check(member(dynamic("100001"), starts_on=date(2026, 12, 1)))


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (VoucherStatus.REDEEMED, VoucherAlreadyRedeemed),
        (VoucherStatus.EXPIRED, VoucherExpired),
        (VoucherStatus.CANCELLED, VoucherCancelled),
        (VoucherStatus.REMOVED, VoucherRemoved),
    ],
)
def test_each_voucher_status_but_available_is_refused_by_name(status, error):
    with pytest.raises(error):
        check(member(dynamic("100001", status=status)))


def test_the_validity_window_holds_its_first_and_last_day_in_bangkok():
    document = member(dynamic("100001", valid_from=date(2026, 11, 1), valid_to=date(2026, 11, 30)))
    check(document, now=bangkok(2026, 11, 1, 0, 0))
    check(document, now=bangkok(2026, 11, 30, 23, 59))
    with pytest.raises(VoucherNotYetValid, match="2026-11-01"):
        check(document, now=bangkok(2026, 10, 31, 23, 59))
    with pytest.raises(VoucherExpired, match="2026-11-30"):
        check(document, now=bangkok(2026, 12, 1, 0, 30))


def test_a_hotels_voucher_is_valid_at_that_hotel_only():
    document = member(dynamic("100001", hotel="SIAM-H01"))
    check(document, place=H01)
    with pytest.raises(VoucherNotValidHere, match="SIAM-H01 only"):
        check(document, place=H02)


def test_the_policy_for_the_voucher_type_is_checked_last():
    with pytest.raises(PolicyRefused) as refused:
        check(member(dynamic("100001")), policy=ONLY_H02)
    assert refused.value.rule == "allowedHotels"


BROKEN_IN_ORDER: list[tuple[dict[str, object], dict[str, object], type[MosaicError]]] = [
    # (membership fields, voucher fields) that break one check, and the error naming it
    ({"status": MembershipStatus.EXPIRED}, {}, MembershipNotUsable),
    ({}, {"status": VoucherStatus.REDEEMED}, VoucherAlreadyRedeemed),
    ({}, {"valid_to": date(2026, 11, 20)}, VoucherExpired),
    ({}, {"hotel": "SIAM-H02"}, VoucherNotValidHere),
    ({}, {}, PolicyRefused),  # ONLY_H02, checked at H01
]


@pytest.mark.parametrize("first", range(len(BROKEN_IN_ORDER)))
def test_checks_answer_in_design_order(first: int):
    """With this check and every later one broken (the policy always is), this one answers:
    e.g. an expired membership holding a redeemed voucher is told about the membership."""
    membership: dict[str, Any] = {}
    voucher: dict[str, Any] = {}
    for member_fields, voucher_fields, _ in BROKEN_IN_ORDER[first:]:
        membership |= member_fields
        voucher |= voucher_fields
    document = member(dynamic("100001", **voucher), **membership)
    with pytest.raises(BROKEN_IN_ORDER[first][2]):
        check(document, place=H01, policy=ONLY_H02)


def test_redeeming_records_who_where_when_and_the_key_without_changing_the_original():
    before = member(dynamic("100001"))
    after = redeemed(before, "100001", H01, NOW, "key-1", "agent-7")
    voucher = find_voucher(after, "100001")
    assert voucher.status is VoucherStatus.REDEEMED
    assert voucher.redemptions == [
        Redemption(
            idempotency_key="key-1",
            hotel="SIAM-H01",
            outlet="SIAM-H01-O1",
            redeemed_at=NOW,
            agent="agent-7",
        )
    ]
    assert find_voucher(before, "100001").status is VoucherStatus.AVAILABLE
    with pytest.raises(VoucherAlreadyRedeemed, match="SIAM-H01/SIAM-H01-O1"):
        redeemed(after, "100001", H02, NOW, "key-2", "agent-8")


def test_a_static_voucher_redemption_names_its_sor_request_a_dynamic_one_cannot():
    document = member(static("54321"), dynamic("100001"))
    after = redeemed(document, "54321", H01, NOW, "key-1", "agent-7", sor_request="req-1")
    [redemption] = find_voucher(after, "54321").redemptions
    assert redemption.sor_request == "req-1"
    assert redemption.awaiting_sor
    with pytest.raises(ValueError, match="static"):
        redeemed(document, "100001", H01, NOW, "key-1", "agent-7", sor_request="req-2")


def test_unredeeming_reverses_the_live_redemption_and_keeps_it_on_record():
    document = redeem(member(static("54321")), "54321", H01, NOW)
    later = NOW + timedelta(minutes=5)
    after = unredeemed(document, "54321", later, "staff-2", sor_request="req-2")
    voucher = find_voucher(after, "54321")
    assert voucher.status is VoucherStatus.AVAILABLE
    [reversed_] = voucher.redemptions
    assert (reversed_.unredeemed_at, reversed_.unredeemed_by) == (later, "staff-2")
    assert reversed_.unredeem_sor_request == "req-2"
    assert reversed_.agent == "agent-1"
    assert live_redemption(voucher) is None
    # Redeemed again, then reversed again: only the latest redemption is reversed.
    again = unredeemed(redeem(after, "54321", H02, later), "54321", later, "agent-1")
    first, second = find_voucher(again, "54321").redemptions
    assert first == reversed_
    assert (second.hotel, second.unredeemed_at) == ("SIAM-H02", later)


def test_unredeeming_a_voucher_not_redeemed_is_refused():
    with pytest.raises(VoucherNotRedeemed, match="available"):
        unredeemed(member(dynamic("100001")), "100001", NOW, "agent-1")
    reversed_ = unredeemed(
        redeem(member(dynamic("100001")), "100001", H01, NOW), "100001", NOW, None
    )
    with pytest.raises(VoucherNotRedeemed):
        unredeemed(reversed_, "100001", NOW, "agent-1")


def test_unredeeming_a_voucher_redeemed_only_in_the_sor_is_refused():
    sor_redeemed = member(static("54321", status=VoucherStatus.REDEEMED))
    with pytest.raises(VoucherNotRedeemedHere, match="system of record"):
        unredeemed(sor_redeemed, "54321", NOW, "agent-1")
    # Reversed here once, then redeemed again in the SoR: that redemption is not ours either.
    reversed_ = unredeemed(redeem(member(static("54321")), "54321", H01, NOW), "54321", NOW, None)
    voucher = find_voucher(reversed_, "54321").model_copy(update={"status": VoucherStatus.REDEEMED})
    with pytest.raises(VoucherNotRedeemedHere):
        unredeemed(reversed_.model_copy(update={"static_vouchers": [voucher]}), "54321", NOW, None)
