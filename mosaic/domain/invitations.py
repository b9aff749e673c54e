"""Invitee conversion (DESIGN section 3, `invitees`): an invitee who buys a full membership
earns the inviter the program's referral voucher, once.

An active full membership converts the open invitation whose email or phone it matches,
issued on or before the day the membership started (a person who was a member before being
invited is not a conversion). When several members invited the same person, the first
invitation counts, and only it: a membership converts one invitation, ever. The inviter's
voucher is keyed by the invitee code (campaign `referral:<code>`), so crediting the same
conversion again adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from mosaic.domain.calendar import local_date
from mosaic.domain.contacts import normal_email, normal_phone
from mosaic.domain.membership import (
    DigitalMembership,
    DynamicVoucher,
    MembershipMode,
    MembershipStatus,
    VoucherStatus,
    VoucherType,
)
from mosaic.domain.program import ReferralVoucher

REFERRAL_CAMPAIGN = "referral:"
CONVERSION_WINDOW_DAYS = 90
"""A membership is looked at for a conversion while it started at most this long ago."""


def may_convert(member: DigitalMembership, today: date) -> bool:
    """Whether a refresh of this membership looks for an invitation it converts."""
    recent = member.membership.starts_on >= today - timedelta(days=CONVERSION_WINDOW_DAYS)
    reachable = bool(normal_email(member.membership.email) or normal_phone(member.membership.phone))
    active = member.membership.status is MembershipStatus.ACTIVE
    return member.meta.mode is MembershipMode.FULL and active and recent and reachable


def converted_invitation(
    member: DigitalMembership, invitees: list[DigitalMembership], timezone: str
) -> DigitalMembership | None:
    """The invitee document whose open invitation `member` converts, if any."""
    email = normal_email(member.membership.email)
    phone = normal_phone(member.membership.phone)
    if any(doc.invitation and doc.invitation.converted_to == member.id for doc in invitees):
        return None  # this membership converted an invitation already
    open_ones = [
        doc
        for doc in invitees
        if doc.invitation is not None
        and doc.invitation.converted_at is None
        and doc.meta.mode is MembershipMode.INVITEE
        and ((email and doc.invitation.email == email) or (phone and doc.invitation.phone == phone))
        and local_date(doc.invitation.invited_at, timezone) <= member.membership.starts_on
    ]
    return min(
        open_ones, key=lambda d: d.invitation.invited_at if d.invitation else d.id, default=None
    )


def referral_campaign(invitee_code: str) -> str:
    return f"{REFERRAL_CAMPAIGN}{invitee_code}"


def is_credited(inviter: DigitalMembership, invitee_code: str) -> bool:
    campaign = referral_campaign(invitee_code)
    return any(v.campaign == campaign for v in inviter.dynamic_vouchers)


def credit_referral(
    inviter: DigitalMembership,
    invitee_code: str,
    settings: ReferralVoucher,
    code: str,
    now: datetime,
    today: date,
) -> DigitalMembership:
    """The inviter with the referral voucher for `invitee_code` (code `code`, valid from
    today for the program's number of days) and the invitee marked converted; unchanged
    when it was credited already."""
    if is_credited(inviter, invitee_code):
        return inviter
    voucher = DynamicVoucher(
        code=code,
        campaign=referral_campaign(invitee_code),
        type=VoucherType.REFERRAL,
        hotel=settings.hotel,
        valid_from=today,
        valid_to=today + timedelta(days=settings.valid_days - 1),
        status=VoucherStatus.AVAILABLE,
    )
    invitees = [
        i.model_copy(update={"converted_at": now})
        if i.invitee_code == invitee_code and i.converted_at is None
        else i
        for i in inviter.invitees
    ]
    return inviter.model_copy(
        update={"dynamic_vouchers": [*inviter.dynamic_vouchers, voucher], "invitees": invitees}
    )


def mark_converted(invitee: DigitalMembership, number: str, now: datetime) -> DigitalMembership:
    """The invitee document with its invitation converted to full membership `number`."""
    if invitee.invitation is None or invitee.invitation.converted_at is not None:
        return invitee
    invitation = invitee.invitation.model_copy(update={"converted_at": now, "converted_to": number})
    return invitee.model_copy(update={"invitation": invitation})
