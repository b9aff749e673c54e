from dataclasses import replace
from datetime import date, timedelta

import pytest

from mosaic.domain.building import build_membership
from mosaic.domain.campaigns import campaigns_to_issue, eligible
from mosaic.domain.membership import MembershipMode, Redemption, VoucherStatus, VoucherType
from mosaic.domain.records import SorCampaign
from tests.factories import NOW, sor_membership, sor_record

TODAY = date(2026, 11, 21)


def campaign(target: str = "all", **overrides: object) -> SorCampaign:
    fields: dict[str, object] = dict(
        id="C1",
        title="Spa week",
        type="spa",
        hotel="SIAM-H01",
        target=target,
        valid_from=date(2026, 11, 1),
        valid_to=date(2026, 11, 30),
    )
    return SorCampaign(**(fields | overrides))  # type: ignore[arg-type]


FULL, INVITEE = MembershipMode.FULL, MembershipMode.INVITEE


@pytest.mark.parametrize(
    ("target", "mode", "package", "expected"),
    [
        ("all", FULL, "SIAM-GOLD", True),
        ("all", INVITEE, None, True),
        ("full", FULL, "SIAM-GOLD", True),
        ("full", INVITEE, None, False),
        ("invitee", INVITEE, None, True),
        ("invitee", FULL, "SIAM-GOLD", False),
        ("package:SIAM-GOLD", FULL, "SIAM-GOLD", True),
        ("package:SIAM-GOLD", FULL, "SIAM-SILVER", False),
        ("package:SIAM-GOLD", INVITEE, None, False),
        ("package:", FULL, "SIAM-GOLD", False),
        ("vip", FULL, "SIAM-GOLD", False),
    ],
)
def test_eligibility_by_target(
    target: str, mode: MembershipMode, package: str | None, expected: bool
) -> None:
    assert eligible(campaign(target), mode, package, TODAY) is expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 10, 31), False),
        (date(2026, 11, 1), True),
        (date(2026, 11, 30), True),
        (date(2026, 12, 1), False),
    ],
)
def test_eligibility_by_validity_window(today: date, expected: bool) -> None:
    assert eligible(campaign(), FULL, "SIAM-GOLD", today) is expected


def test_an_inactive_membership_gets_no_new_voucher() -> None:
    record = sor_record(membership=sor_membership(status="suspended"), campaigns=[campaign()])
    assert campaigns_to_issue(record, [], TODAY) == []


def test_a_voucher_is_built_from_its_campaign_with_the_issued_code() -> None:
    record = sor_record(campaigns=[campaign(), campaign("package:OTHER", id="C2")])
    built = build_membership(record, None, NOW, issued={"C1": "123456"})
    [voucher] = built.dynamic_vouchers
    assert (voucher.code, voucher.campaign, voucher.type) == ("123456", "C1", VoucherType.SPA)
    assert (voucher.valid_from, voucher.valid_to) == (date(2026, 11, 1), date(2026, 11, 30))
    assert voucher.hotel == "SIAM-H01"
    assert voucher.status is VoucherStatus.AVAILABLE


def test_an_issued_voucher_follows_its_campaign_and_stays_listed_once_expired() -> None:
    record = sor_record(campaigns=[campaign()])
    first = build_membership(record, None, NOW, issued={"C1": "123456"})
    moved = replace(record, campaigns=[campaign(valid_to=date(2026, 12, 15))])
    again = build_membership(moved, first, NOW + timedelta(days=1))
    assert again.dynamic_vouchers[0].valid_to == date(2026, 12, 15)
    later = build_membership(replace(record, campaigns=[]), again, NOW + timedelta(days=40))
    [voucher] = later.dynamic_vouchers
    assert (voucher.code, voucher.status) == ("123456", VoucherStatus.EXPIRED)


def test_a_redeemed_voucher_keeps_its_status_and_redemptions_after_the_campaign_ends() -> None:
    record = sor_record(campaigns=[campaign()])
    first = build_membership(record, None, NOW, issued={"C1": "123456"})
    redemption = Redemption(idempotency_key="k1", hotel="SIAM-H01", redeemed_at=NOW)
    redeemed = first.dynamic_vouchers[0].model_copy(
        update={"status": VoucherStatus.REDEEMED, "redemptions": [redemption]}
    )
    first = first.model_copy(update={"dynamic_vouchers": [redeemed]})
    later = build_membership(record, first, NOW + timedelta(days=40))
    assert later.dynamic_vouchers == [redeemed]
