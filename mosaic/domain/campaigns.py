"""Dynamic vouchers from the Engage campaigns (the refresh's pure part).

A campaign concerns a membership by its target: `all` any member, `full` full memberships,
`invitee` invitees, `package:<code>` the memberships of that package; and only while its
validity window (the program's business dates, inclusive) contains today. An eligible
campaign gives an active membership one voucher, with a 6-digit code issued here (the code
index keeps it unique per program).

A voucher once issued is digital-owned and never vanishes: it keeps its code, status and
redemptions on every later refresh, even when the campaign ends, changes target or is gone
from the SoR, so a member sees what they had. Its validity follows the campaign while the
SoR still lists it; past its last day an available voucher is listed `expired` (available
again if the campaign is extended). A redeemed or cancelled voucher keeps its status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol

from mosaic.domain.membership import (
    DynamicVoucher,
    MembershipMode,
    MembershipStatus,
    VoucherStatus,
    VoucherType,
)
from mosaic.domain.records import SorCampaign, SorMembershipRecord

PACKAGE_TARGET = "package:"


class CampaignTerms(Protocol):
    """What a voucher campaign says, wherever it was read: the SoR's row for a full
    membership, the program document's copy for an invitee (who has no SoR row)."""

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def hotel(self) -> str | None: ...
    @property
    def target(self) -> str: ...
    @property
    def valid_from(self) -> date: ...
    @property
    def valid_to(self) -> date: ...


def targets(campaign: CampaignTerms, mode: MembershipMode, package: str | None) -> bool:
    """The campaign's target includes a membership of this mode and package."""
    target = campaign.target
    if target == "all":
        return True
    if target == "full":
        return mode is MembershipMode.FULL
    if target == "invitee":
        return mode is MembershipMode.INVITEE
    if target.startswith(PACKAGE_TARGET):
        return package is not None and target.removeprefix(PACKAGE_TARGET) == package
    return False  # a target this code does not know concerns nobody


def eligible(
    campaign: CampaignTerms, mode: MembershipMode, package: str | None, today: date
) -> bool:
    """The campaign concerns the membership on `today` (the program's business date)."""
    return campaign.valid_from <= today <= campaign.valid_to and targets(campaign, mode, package)


def campaigns_to_issue(
    record: SorMembershipRecord, vouchers: list[DynamicVoucher], today: date
) -> list[SorCampaign]:
    """The campaigns the SoR's (full) membership is eligible for today and has no voucher
    of yet. A membership that is not active gets no new voucher."""
    if MembershipStatus(record.membership.status) is not MembershipStatus.ACTIVE:
        return []
    have = {v.campaign for v in vouchers}
    package = record.membership.package_code
    return [
        c
        for c in record.campaigns
        if c.id not in have and eligible(c, MembershipMode.FULL, package, today)
    ]


def dynamic_vouchers(
    record: SorMembershipRecord,
    kept: list[DynamicVoucher],
    issued: Mapping[str, str],
    today: date,
) -> list[DynamicVoucher]:
    """The kept vouchers (validity following their campaign, status following the window),
    then one new voucher for each campaign to issue whose code is in `issued` (campaign id
    -> code)."""
    return followed_vouchers(
        record.campaigns, kept, campaigns_to_issue(record, kept, today), issued, today
    )


def followed_vouchers(
    campaigns: Sequence[CampaignTerms],
    kept: list[DynamicVoucher],
    to_issue: Sequence[CampaignTerms],
    issued: Mapping[str, str],
    today: date,
) -> list[DynamicVoucher]:
    """The kept vouchers following their campaigns, then a new voucher for each campaign
    to issue whose code is in `issued`."""
    by_id = {c.id: c for c in campaigns}
    vouchers = [_follow(v, by_id.get(v.campaign), today) for v in kept]
    for campaign in to_issue:
        code = issued.get(campaign.id)
        if code is not None:
            vouchers.append(_new_voucher(campaign, code))
    return vouchers


def invitee_campaigns_to_issue(
    campaigns: Sequence[CampaignTerms], vouchers: list[DynamicVoucher], today: date
) -> list[CampaignTerms]:
    """The campaigns an invitee is eligible for today (target `invitee` or `all`) and has
    no voucher of yet."""
    have = {v.campaign for v in vouchers}
    return [
        c
        for c in campaigns
        if c.id not in have and eligible(c, MembershipMode.INVITEE, None, today)
    ]


def _follow(voucher: DynamicVoucher, campaign: CampaignTerms | None, today: date) -> DynamicVoucher:
    update: dict[str, object] = {}
    if campaign is not None:
        update = {"valid_from": campaign.valid_from, "valid_to": campaign.valid_to}
    valid_to = campaign.valid_to if campaign is not None else voucher.valid_to
    if voucher.status in (VoucherStatus.AVAILABLE, VoucherStatus.EXPIRED):
        expired = today > valid_to
        update["status"] = VoucherStatus.EXPIRED if expired else VoucherStatus.AVAILABLE
    return voucher.model_copy(update=update)


def _new_voucher(campaign: CampaignTerms, code: str) -> DynamicVoucher:
    return DynamicVoucher(
        code=code,
        campaign=campaign.id,
        type=voucher_type(campaign.type),
        hotel=campaign.hotel,
        valid_from=campaign.valid_from,
        valid_to=campaign.valid_to,
        status=VoucherStatus.AVAILABLE,
    )


def voucher_type(value: str) -> VoucherType:
    """A voucher type of the SoR; one this version does not know is `other`."""
    try:
        return VoucherType(value)
    except ValueError:
        return VoucherType.OTHER
