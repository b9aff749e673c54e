"""Invitation rules: activation window, invitee period, limit, one per contact."""

from datetime import UTC, date, datetime, timedelta

import pytest

from mosaic.domain.building import build_membership
from mosaic.domain.errors import (
    InvitationLapsed,
    InvitationLimitReached,
    InviteePeriodOver,
    NotAllowedForMembership,
)
from mosaic.domain.inviting import (
    Contact,
    InvitationState,
    activated,
    ensure_below_limit,
    ensure_invitee_may_enter,
    ensure_may_invite,
    ensure_not_self,
    invitation_state,
    invitee_membership,
    open_invitation_to,
    with_invitee,
)
from mosaic.domain.membership import Invitee, MembershipMode, MembershipStatus
from mosaic.domain.program import ProgramSettings
from tests.factories import NOW, sor_membership, sor_record

BANGKOK = "Asia/Bangkok"
SETTINGS = ProgramSettings(invitation_activation_days=30, invitee_period_days=7, invitation_limit=2)


def inviter(**membership):
    return build_membership(sor_record(membership=sor_membership(**membership)), None, NOW)


def invitee_entry(code="123456", invited_at=NOW, contact="friend@example.com", **fields):
    return Invitee(
        name="Friend",
        contact=contact,
        invitee_code=code,
        invited_at=invited_at,
        membership_number=f"INV-{code}",
        **fields,
    )


def invitee_document(invited_at=NOW):
    entry = invitee_entry(invited_at=invited_at)
    contact = Contact("Friend", email="friend@example.com")
    return invitee_membership(inviter(), entry, contact, SETTINGS, BANGKOK, "THB")


def bangkok(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant given in Bangkok time (UTC+7), as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def test_invitation_is_pending_until_the_last_activation_day_ends_in_bangkok():
    invited = bangkok(date(2026, 11, 1), 10)
    entry = invitee_entry(invited_at=invited)
    last_minute = bangkok(date(2026, 12, 1), 23, 59)
    assert invitation_state(entry, last_minute, SETTINGS, BANGKOK) is InvitationState.PENDING
    midnight = bangkok(date(2026, 12, 2), 0, 0)
    assert invitation_state(entry, midnight, SETTINGS, BANGKOK) is InvitationState.LAPSED


def test_invitee_period_runs_seven_full_days_from_the_first_login():
    first_login = bangkok(date(2026, 11, 10), 23, 50)
    entry = invitee_entry(activated_at=first_login)
    assert (
        invitation_state(entry, bangkok(date(2026, 11, 17), 23, 59), SETTINGS, BANGKOK)
        is InvitationState.ACTIVE
    )
    assert (
        invitation_state(entry, bangkok(date(2026, 11, 18), 0, 0), SETTINGS, BANGKOK)
        is InvitationState.ENDED
    )


def test_converted_invitation_is_converted_whatever_the_dates():
    entry = invitee_entry(activated_at=NOW, converted_at=NOW)
    later = NOW + timedelta(days=400)
    assert invitation_state(entry, later, SETTINGS, BANGKOK) is InvitationState.CONVERTED


def test_lapsed_invitee_code_is_refused_with_the_last_day():
    document = invitee_document(invited_at=bangkok(date(2026, 11, 1), 10))
    ensure_invitee_may_enter(document, bangkok(date(2026, 12, 1), 23, 59), SETTINGS, BANGKOK)
    with pytest.raises(InvitationLapsed, match="2026-12-01"):
        ensure_invitee_may_enter(document, bangkok(date(2026, 12, 2), 0, 1), SETTINGS, BANGKOK)


def test_activated_invitee_is_refused_after_the_period_not_for_lapsing():
    document = invitee_document(invited_at=bangkok(date(2026, 11, 1), 10))
    first_login = bangkok(date(2026, 11, 30), 9)
    document = activated(document, first_login, SETTINGS, BANGKOK)
    assert document.membership.expires_on == date(2026, 12, 7)
    # Past the activation window, but activated within it: still in its period.
    ensure_invitee_may_enter(document, bangkok(date(2026, 12, 7), 23), SETTINGS, BANGKOK)
    with pytest.raises(InviteePeriodOver, match="2026-12-07"):
        ensure_invitee_may_enter(document, bangkok(date(2026, 12, 8), 0, 5), SETTINGS, BANGKOK)


def test_a_second_first_login_does_not_restart_the_period():
    document = activated(invitee_document(), NOW, SETTINGS, BANGKOK)
    again = activated(document, NOW + timedelta(days=5), SETTINGS, BANGKOK)
    assert again.invitation is not None
    assert again.invitation.activated_at == NOW
    assert again.membership.expires_on == document.membership.expires_on


def test_invitee_membership_is_digital_only_and_opened_by_the_invitee_code():
    document = invitee_document()
    assert document.meta.mode is MembershipMode.INVITEE
    assert document.membership.activation_code == "123456"
    assert document.membership.status is MembershipStatus.ACTIVE
    assert document.invitation.invited_by == "SIAM-0000001"
    assert document.invitation.email == "friend@example.com"


def test_limit_counts_open_invitations_only():
    member = inviter()
    lapsed = invitee_entry("111111", invited_at=NOW - timedelta(days=40))
    ended = invitee_entry(
        "222222", invited_at=NOW - timedelta(days=30), activated_at=NOW - timedelta(days=20)
    )
    pending = invitee_entry("333333")
    member = with_invitee(with_invitee(with_invitee(member, lapsed), ended), pending)
    ensure_below_limit(member, NOW, SETTINGS, BANGKOK)
    member = with_invitee(member, invitee_entry("444444", contact="+66 81 000 0000"))
    with pytest.raises(InvitationLimitReached, match="at most 2"):
        ensure_below_limit(member, NOW, SETTINGS, BANGKOK)


def test_same_contact_is_found_by_email_case_or_phone_digits():
    member = with_invitee(inviter(), invitee_entry(contact="Friend@Example.com"))
    member = with_invitee(member, invitee_entry("222222", contact="+66 (81) 222-3333"))
    by_email = Contact("F", email="friend@example.COM")
    found = open_invitation_to(member, by_email, NOW, SETTINGS, BANGKOK)
    assert found is not None
    assert found.invitee_code == "123456"
    by_phone = Contact("F", phone="+66812223333")
    found = open_invitation_to(member, by_phone, NOW, SETTINGS, BANGKOK)
    assert found is not None
    assert found.invitee_code == "222222"
    assert open_invitation_to(member, Contact("G", email="g@x.org"), NOW, SETTINGS, BANGKOK) is None


def test_a_lapsed_invitation_to_a_contact_does_not_block_a_new_one():
    old = invitee_entry(invited_at=NOW - timedelta(days=45))
    member = with_invitee(inviter(), old)
    assert (
        open_invitation_to(member, Contact("F", email="friend@example.com"), NOW, SETTINGS, BANGKOK)
        is None
    )


def test_only_an_active_full_member_invites_and_not_themselves():
    with pytest.raises(NotAllowedForMembership, match="expired"):
        ensure_may_invite(inviter(status="expired"))
    with pytest.raises(NotAllowedForMembership, match="invitee"):
        ensure_may_invite(invitee_document())
    with pytest.raises(NotAllowedForMembership, match="own"):
        ensure_not_self(inviter(), Contact("Me", email="PLOY@example.com"))
