"""What POS agents and back-office staff receive about vouchers and memberships."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from mosaic.domain.base import ResponseModel
from mosaic.domain.loyalty.standing import Standing
from mosaic.domain.membership import (
    DigitalMembership,
    DynamicVoucher,
    MembershipMode,
    MembershipStatus,
    VoucherStatus,
    VoucherType,
)
from mosaic.domain.policies import live_redemption
from mosaic.functions.answers import PackageAnswer, StandingAnswer, standing_values
from mosaic.services.voucher_outcomes import VoucherAtPlace


class RedemptionAnswer(ResponseModel):
    hotel: str
    outlet: str | None = None
    redeemed_at: datetime
    unredeemed_at: datetime | None = None
    by: str | None = Field(default=None, description="the agent or staff key id")


class VoucherCheckAnswer(ResponseModel):
    """A voucher as checked or changed here."""

    voucher_code: str
    kind: str = Field(description="dynamic (6 digits) or static (5 or 9 digits)")
    type: VoucherType
    hotel: str | None = Field(default=None, description="None: valid at every hotel")
    valid_from: date
    valid_to: date
    status: VoucherStatus
    membership_number: str
    redemption: RedemptionAnswer | None = Field(
        default=None, description="the live redemption, or the one just reversed"
    )
    from_system_of_record: bool = Field(
        description="true: no digital membership holds the code; the SoR answered"
    )


def voucher_check_answer(outcome: VoucherAtPlace, reversed_: bool = False) -> VoucherCheckAnswer:
    voucher = outcome.voucher
    redemption = voucher.redemptions[-1] if reversed_ and voucher.redemptions else None
    redemption = redemption or live_redemption(voucher)
    return VoucherCheckAnswer(
        voucher_code=voucher.code,
        kind="dynamic" if isinstance(voucher, DynamicVoucher) else "static",
        type=voucher.type,
        hotel=voucher.hotel,
        valid_from=voucher.valid_from,
        valid_to=voucher.valid_to,
        status=voucher.status,
        membership_number=outcome.membership_number,
        redemption=RedemptionAnswer(
            hotel=redemption.hotel,
            outlet=redemption.outlet,
            redeemed_at=redemption.redeemed_at,
            unredeemed_at=redemption.unredeemed_at,
            by=redemption.agent,
        )
        if redemption is not None
        else None,
        from_system_of_record=outcome.from_sor,
    )


class MembershipCheckAnswer(StandingAnswer):
    """What a terminal shows of a membership: may it be served, and as what."""

    membership_number: str
    member_name: str
    mode: MembershipMode
    status: MembershipStatus
    starts_on: date
    expires_on: date
    package: PackageAnswer
    usable: bool = Field(description="active, started and not past its last day, today")


def membership_check_answer(
    member: DigitalMembership, usable: bool, standing: Standing
) -> MembershipCheckAnswer:
    info = member.membership
    return MembershipCheckAnswer(
        membership_number=member.id,
        member_name=info.member_name,
        mode=member.meta.mode,
        status=info.status,
        starts_on=info.starts_on,
        expires_on=info.expires_on,
        package=PackageAnswer(code=info.package.code, name=info.package.name),
        **standing_values(standing),
        usable=usable,
    )
