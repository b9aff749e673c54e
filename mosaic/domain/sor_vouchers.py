"""A static voucher as the SoR holds it, for the fallback of a code no digital membership
holds (DESIGN section 5): judged by the same checks as a digital one."""

from __future__ import annotations

from datetime import datetime

from mosaic.domain.campaigns import voucher_type
from mosaic.domain.membership import (
    Counters,
    DigitalMembership,
    MembershipInfo,
    MembershipMode,
    MembershipStatus,
    Meta,
    PackageRef,
    Redemption,
    StaticVoucher,
    VoucherStatus,
)
from mosaic.domain.records import SorVoucherHolding


def _status(value: str, kind: type[MembershipStatus] | type[VoucherStatus]) -> str:
    try:
        return kind(value).value
    except ValueError:
        return "cancelled"  # a status this version does not know redeems nothing


def holding_membership(
    holding: SorVoucherHolding, currency: str, now: datetime
) -> DigitalMembership:
    """A transient membership holding only this voucher, as the SoR says it is: enough for
    the membership, voucher, validity and place checks. Policies see no earlier redemptions
    (the SoR keeps no history of where and when)."""
    redemptions = []
    if holding.status == VoucherStatus.REDEEMED.value and holding.redeemed_at is not None:
        redemptions = [
            Redemption(
                idempotency_key="sor",
                hotel=holding.redeemed_hotel or "",
                outlet=holding.redeemed_outlet,
                redeemed_at=holding.redeemed_at,
                sor_applied_at=holding.redeemed_at,
            )
        ]
    voucher = StaticVoucher(
        code=holding.code,
        type=voucher_type(holding.type),
        hotel=holding.hotel,
        valid_from=holding.valid_from,
        valid_to=holding.valid_to,
        status=VoucherStatus(_status(holding.status, VoucherStatus)),
        redemptions=redemptions,
    )
    zero = {"amount": 0, "currency": currency}
    return DigitalMembership(
        id=holding.membership_number,
        program=holding.program,
        meta=Meta(
            membership_number=holding.membership_number, mode=MembershipMode.FULL, last_update=now
        ),
        membership=MembershipInfo(
            activation_code="",
            member_name="",
            package=PackageRef(code=holding.package_code, name=holding.package_code),
            status=MembershipStatus(_status(holding.membership_status, MembershipStatus)),
            starts_on=holding.starts_on,
            expires_on=holding.expires_on,
        ),
        static_vouchers=[voucher],
        counters=Counters.model_validate({"foodAndBeverageSpend": zero, "roomSpend": zero}),
    )
