"""A full member invites friends: invitee memberships, their first login, their period."""

import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from mosaic.adapters.clock import FixedClock
from mosaic.domain.errors import (
    InvitationLapsed,
    InvitationLimitReached,
    InviteePeriodOver,
    NotAllowedForMembership,
)
from mosaic.domain.inviting import Contact
from mosaic.domain.membership import DigitalMembership, MembershipMode
from mosaic.ports.documents import Container
from mosaic.services.documents import load
from mosaic.services.inviting import invite_friend
from mosaic.services.login import login_member
from mosaic.services.refresh import refresh_membership
from mosaic.services.refresh_requests import RefreshReason
from tests.factories import NOW, embedded_backends, insert_member, sor_engine

INVITER = "SIAM-0000001"
FRIEND = Contact("Nok", email="nok@example.com")


@pytest.fixture
def backends(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_membership(backends, "SIAM", INVITER, RefreshReason.MANUAL)
    return backends


def member(backends, number=INVITER) -> DigitalMembership:
    return load(DigitalMembership, backends.documents.read(Container.MEMBERSHIPS, "SIAM", number))


def at(backends, when):
    return replace(backends, clock=FixedClock(when), wall_clock=FixedClock(when))


def test_invitation_creates_an_invitee_membership_opened_by_its_code(backends):
    made = invite_friend(backends, member(backends), FRIEND)
    assert made.created
    assert len(made.invitee.invitee_code) == 6
    invitee = member(backends, made.invitee.membership_number)
    assert invitee.meta.mode is MembershipMode.INVITEE
    assert invitee.invitation is not None
    assert invitee.invitation.invited_by == INVITER
    login = login_member(backends, "SIAM", made.invitee.invitee_code, None, "10.0.0.1")
    assert login.mode is MembershipMode.INVITEE
    assert login.membership.id == made.invitee.membership_number
    assert backends.search.search("SIAM", "nok").total == 1


def test_inviting_the_same_contact_again_answers_the_open_invitation(backends):
    first = invite_friend(backends, member(backends), FRIEND)
    again = invite_friend(backends, member(backends), Contact("Nok S.", email="NOK@example.com"))
    assert not again.created
    assert again.invitee.invitee_code == first.invitee.invitee_code
    assert len(member(backends).invitees) == 1


def test_a_crash_before_the_invitee_membership_is_made_heals_on_retry(backends):
    made = invite_friend(backends, member(backends), FRIEND)
    number = made.invitee.membership_number
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", number)
    backends.documents.delete(Container.MEMBERSHIPS, "SIAM", number, if_match=stored.etag)
    again = invite_friend(backends, member(backends), FRIEND)
    assert again.invitee.invitee_code == made.invitee.invitee_code
    assert member(backends, number).membership.activation_code == made.invitee.invitee_code


def test_parallel_invitations_never_pass_the_limit(backends):
    results, errors = [], []

    def invite(n: int) -> None:
        try:
            results.append(
                invite_friend(backends, member(backends), Contact(f"F{n}", phone=f"+6681{n:07d}"))
            )
        except InvitationLimitReached as error:
            errors.append(error)

    threads = [threading.Thread(target=invite, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 5  # the program's default limit
    assert len(errors) == 3
    assert len(member(backends).invitees) == 5
    codes = {r.invitee.invitee_code for r in results}
    assert len(codes) == 5


def test_first_login_starts_the_period_and_the_inviter_sees_it(backends):
    made = invite_friend(backends, member(backends), FRIEND)
    later = at(backends, NOW + timedelta(days=10))
    login_member(later, "SIAM", made.invitee.invitee_code, None, "10.0.0.1")
    invitee = member(backends, made.invitee.membership_number)
    assert invitee.invitation is not None
    assert invitee.invitation.activated_at == NOW + timedelta(days=10)
    assert invitee.membership.expires_on == (NOW + timedelta(days=17)).date()
    assert member(backends).invitees[0].activated_at == NOW + timedelta(days=10)


def test_invitee_code_lapses_unused_after_the_activation_window(backends):
    made = invite_friend(backends, member(backends), FRIEND)
    lapsed = at(backends, NOW + timedelta(days=32))
    with pytest.raises(InvitationLapsed, match="lapsed unused"):
        login_member(lapsed, "SIAM", made.invitee.invitee_code, None, "10.0.0.1")


def test_invitee_refused_once_its_period_is_over(backends):
    made = invite_friend(backends, member(backends), FRIEND)
    login_member(backends, "SIAM", made.invitee.invitee_code, None, "10.0.0.1")
    over = at(backends, NOW + timedelta(days=9))
    with pytest.raises(InviteePeriodOver):
        login_member(over, "SIAM", made.invitee.invitee_code, None, "10.0.0.1")


def test_an_invitee_cannot_invite(backends):
    made = invite_friend(backends, member(backends), FRIEND)
    invitee = member(backends, made.invitee.membership_number)
    with pytest.raises(NotAllowedForMembership):
        invite_friend(backends, invitee, Contact("Other", email="other@example.com"))


def test_an_invitee_code_whose_membership_was_never_made_still_opens_it(backends):
    made = invite_friend(backends, member(backends), FRIEND)
    number = made.invitee.membership_number
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", number)
    backends.documents.delete(Container.MEMBERSHIPS, "SIAM", number, if_match=stored.etag)
    # The inviter's home page still shows the code; the friend logs in with it.
    login = login_member(backends, "SIAM", made.invitee.invitee_code, None, "10.0.0.1")
    assert login.membership.id == number
    assert login.membership.invitation is not None
    assert login.membership.invitation.email == "nok@example.com"
