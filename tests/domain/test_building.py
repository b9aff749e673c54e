from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from mosaic.domain.building import build_membership
from mosaic.domain.membership import (
    Device,
    MembershipMode,
    MembershipStatus,
    Redemption,
    VoucherStatus,
)
from tests.factories import NOW, sor_membership, sor_record, static_voucher, tracking


def test_new_membership_takes_every_sor_owned_section():
    record = sor_record(tracking=[tracking("100.10"), tracking("200.25")])
    built = build_membership(record, None, NOW)
    assert built.id == "SIAM-0000001"
    assert built.program == "SIAM"
    assert built.meta.mode is MembershipMode.FULL
    assert built.meta.last_refresh == NOW
    assert built.membership.activation_code == "12345"
    assert built.membership.status is MembershipStatus.ACTIVE
    assert [v.code for v in built.static_vouchers] == ["54321"]
    assert built.counters.tracking_transactions == 2
    assert built.counters.food_and_beverage_spend.amount == Decimal("300.35")
    assert built.counters.food_and_beverage_spend.currency == "THB"


def test_sor_version_is_the_newest_change_of_its_rows():
    newer = NOW - timedelta(days=1)
    record = sor_record(static_vouchers=[static_voucher(updated_at=newer)])
    assert build_membership(record, None, NOW).meta.sor_version == newer


def test_refresh_replaces_sor_sections_and_keeps_digital_ones():
    first = build_membership(sor_record(), None, NOW)
    device = Device(device_id="ios-1", platform="ios", registered_at=NOW)
    first = first.model_copy(update={"devices": [device]})
    changed = sor_record(membership=sor_membership(member_name="Ploy S. Wong", status="suspended"))
    again = build_membership(changed, first, NOW + timedelta(hours=1))
    assert again.membership.member_name == "Ploy S. Wong"
    assert again.membership.status is MembershipStatus.SUSPENDED
    assert again.devices == [device]


def test_static_voucher_redeemed_here_stays_redeemed_until_the_sor_catches_up():
    first = build_membership(sor_record(), None, NOW)
    redemption = Redemption(idempotency_key="k1", hotel="SIAM-H01", redeemed_at=NOW)
    voucher = first.static_vouchers[0].model_copy(
        update={"status": VoucherStatus.REDEEMED, "redemptions": [redemption]}
    )
    first = first.model_copy(update={"static_vouchers": [voucher]})
    again = build_membership(sor_record(), first, NOW + timedelta(minutes=5))
    assert again.static_vouchers[0].status is VoucherStatus.REDEEMED
    assert again.static_vouchers[0].redemptions == [redemption]


def test_static_voucher_redeemed_here_follows_the_sor_once_the_sor_applied_it():
    applied = Redemption(
        idempotency_key="k1",
        hotel="SIAM-H01",
        redeemed_at=NOW,
        sor_request="r1",
        sor_applied_at=NOW + timedelta(minutes=1),
    )
    first = build_membership(sor_record(), None, NOW)
    voucher = first.static_vouchers[0].model_copy(
        update={"status": VoucherStatus.REDEEMED, "redemptions": [applied]}
    )
    first = first.model_copy(update={"static_vouchers": [voucher]})
    # The SoR row says available again (staff undid it there): the SoR decides now.
    again = build_membership(sor_record(), first, NOW + timedelta(hours=1))
    assert again.static_vouchers[0].status is VoucherStatus.AVAILABLE
    assert again.static_vouchers[0].redemptions == [applied]


def test_pending_redemption_wins_whatever_the_sor_rows_clock_says():
    """A SoR row stamped later than the redemption (clock skew, an unrelated edit) does not
    make a redemption the SoR has not applied look undone."""
    pending = Redemption(idempotency_key="k1", hotel="SIAM-H01", redeemed_at=NOW)
    first = build_membership(sor_record(), None, NOW)
    voucher = first.static_vouchers[0].model_copy(update={"redemptions": [pending]})
    first = first.model_copy(update={"static_vouchers": [voucher]})
    edited_later = static_voucher(status="available", updated_at=NOW + timedelta(hours=2))
    again = build_membership(sor_record(static_vouchers=[edited_later]), first, NOW)
    assert again.static_vouchers[0].status is VoucherStatus.REDEEMED


def test_sor_change_after_a_digital_redemption_decides_the_status():
    redeemed_here = Redemption(
        idempotency_key="k1",
        hotel="SIAM-H01",
        redeemed_at=NOW - timedelta(days=3),
        unredeemed_at=NOW - timedelta(days=2),
        sor_applied_at=NOW - timedelta(days=3),
        unredeem_sor_applied_at=NOW - timedelta(days=2),
    )
    first = build_membership(sor_record(), None, NOW)
    voucher = first.static_vouchers[0].model_copy(update={"redemptions": [redeemed_here]})
    first = first.model_copy(update={"static_vouchers": [voucher]})
    redeemed_in_sor = static_voucher(status="redeemed", updated_at=NOW - timedelta(days=1))
    again = build_membership(sor_record(static_vouchers=[redeemed_in_sor]), first, NOW)
    assert again.static_vouchers[0].status is VoucherStatus.REDEEMED


def test_voucher_cancelled_in_the_sor_is_cancelled_whatever_was_done_here():
    first = build_membership(sor_record(), None, NOW)
    redemption = Redemption(idempotency_key="k1", hotel="SIAM-H01", redeemed_at=NOW)
    voucher = first.static_vouchers[0].model_copy(update={"redemptions": [redemption]})
    first = first.model_copy(update={"static_vouchers": [voucher]})
    cancelled = static_voucher(status="cancelled", updated_at=NOW - timedelta(days=1))
    again = build_membership(sor_record(static_vouchers=[cancelled]), first, NOW)
    assert again.static_vouchers[0].status is VoucherStatus.CANCELLED


def test_sor_version_covers_every_row_that_feeds_the_document():
    from mosaic.domain.records import (
        SorCampaign,
        SorMembershipTransaction,
        SorOffer,
        SorReservation,
    )

    base = sor_record()
    newer = NOW - timedelta(hours=1)
    others: dict[str, Any] = {
        "tracking": [replace(base.tracking[0], updated_at=newer)],
        "reservations": [
            SorReservation(
                "R1", "SIAM-H01", date(2026, 12, 1), 2, Decimal(1), "THB", "ok", NOW, newer
            )
        ],
        "membership_transactions": [
            SorMembershipTransaction("M1", "renewal", Decimal(1), "THB", NOW, newer)
        ],
        "offers": [SorOffer("OF1", "Spa", None, date(2026, 1, 1), date(2027, 1, 1), newer)],
        "campaigns": [  # ended: no voucher to issue, still read
            SorCampaign("C1", "Spa", "spa", None, "all", date(2026, 1, 1), date(2026, 1, 31), newer)
        ],
    }
    for section, rows in others.items():
        record = replace(base, **{section: rows})
        assert build_membership(record, None, NOW).meta.sor_version == newer, section


def test_offers_are_listed_on_the_days_they_are_valid_in_the_programs_timezone():
    from datetime import UTC, datetime

    from mosaic.domain.records import SorOffer

    offers = [
        SorOffer("ENDED", "Ended yesterday", None, date(2026, 1, 1), date(2026, 11, 21)),
        SorOffer("TODAY", "Valid today only", None, date(2026, 11, 22), date(2026, 11, 22)),
        SorOffer("LATER", "Starts tomorrow", None, date(2026, 11, 23), date(2026, 12, 31)),
        SorOffer("LONG", "All season", None, date(2026, 11, 1), date(2027, 1, 31)),
    ]
    # 18:30 UTC on the 21st is already the 22nd in Bangkok (UTC+7)
    now = datetime(2026, 11, 21, 18, 30, tzinfo=UTC)
    built = build_membership(sor_record(offers=offers), None, now)
    assert [o.code for o in built.offers] == ["TODAY", "LONG"]


def _offer(code: str, packages: frozenset[str] = frozenset()):
    from mosaic.domain.records import SorOffer

    return SorOffer(code, code, None, date(2026, 1, 1), date(2027, 12, 31), NOW, packages)


def test_offer_limited_to_other_packages_is_not_listed():
    member = sor_membership(package_code="SIAM-GOLD")
    record = sor_record(
        membership=member,
        offers=[
            _offer("EVERYONE"),
            _offer("GOLD", frozenset({"SIAM-GOLD", "SIAM-PLATINUM"})),
            _offer("PLATINUM", frozenset({"SIAM-PLATINUM"})),
        ],
    )
    assert [o.code for o in build_membership(record, None, NOW).offers] == ["EVERYONE", "GOLD"]


def test_devices_the_sor_knows_join_the_ones_registered_here():
    from mosaic.domain.records import SorDevice

    def legacy(device_id: str, days_ago: int) -> SorDevice:
        at = NOW - timedelta(days=days_ago)
        return SorDevice(device_id, "android", "Samsung", "S24", "15", "tok-" + device_id, at, at)

    first = build_membership(sor_record(devices=[legacy("old-phone", 30)]), None, NOW)
    assert [d.device_id for d in first.devices] == ["old-phone"]
    here = Device(device_id="shared", platform="ios", push_token="tok-here", registered_at=NOW)
    first = first.model_copy(update={"devices": [*first.devices, here]})
    record = sor_record(devices=[legacy("old-phone", 30), legacy("shared", 60)])
    again = build_membership(record, first, NOW + timedelta(hours=1))
    assert [(d.device_id, d.push_token) for d in again.devices] == [
        ("old-phone", "tok-old-phone"),
        ("shared", "tok-here"),  # registered here: what the app sent here wins
    ]


def test_spend_in_another_currency_is_counted_but_not_summed():
    abroad = replace(tracking("80.00"), currency="USD")
    built = build_membership(sor_record(tracking=[tracking("100.00"), abroad]), None, NOW)
    assert built.counters.tracking_transactions == 2
    assert built.counters.food_and_beverage_spend.amount == Decimal("100.00")


def test_a_static_voucher_of_an_unknown_type_is_other_and_an_unknown_status_is_named():
    import pytest

    from mosaic.domain.errors import SorDataInvalid
    from mosaic.domain.membership import VoucherType

    golf = static_voucher(type="golf")
    assert (
        build_membership(sor_record(static_vouchers=[golf]), None, NOW).static_vouchers[0].type
        is VoucherType.OTHER
    )
    frozen = sor_record(membership=sor_membership(status="frozen"))
    with pytest.raises(SorDataInvalid, match="'frozen'"):
        build_membership(frozen, None, NOW)
