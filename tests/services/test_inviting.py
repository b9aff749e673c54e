"""A full member invites friends: invitee memberships, their first login, their period."""

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mosaic.adapters.clock import FixedClock
from mosaic.domain.errors import (
    InvitationLapsed,
    InvitationLimitReached,
    InviteePeriodOver,
    NotAllowedForMembership,
)
from mosaic.domain.inviting import Contact
from mosaic.domain.membership import DigitalMembership, MembershipMode
from mosaic.ports.documents import Container, DocumentStore, JsonDocument
from mosaic.services.documents import load
from mosaic.services.inviting import invite_friend
from mosaic.services.login import login_member
from mosaic.services.program_refresh import refresh_program
from mosaic.services.refresh import refresh_membership
from mosaic.services.refresh_requests import RefreshReason
from tests.factories import NOW, embedded_backends, insert_member, sor_engine
from tests.sor_rows import insert_bare_member, insert_campaign

INVITER = "SIAM-0000001"
FRIEND = Contact("Nok", email="nok@example.com")
BY_BOTH = Contact("Nok", email="nok@example.com", phone="+66 89 999 9999")
OPEN = (date(2026, 11, 1), date(2026, 12, 31))


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


def sor_rows(tmp_path: Path) -> sa.Engine:
    """The SoR the backends fixture reads, for rows a test adds."""
    return sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")


def test_an_invitee_membership_made_again_after_a_crash_converts_by_its_phone(backends, tmp_path):
    made = invite_friend(backends, member(backends), BY_BOTH)
    number = made.invitee.membership_number
    assert number is not None
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", number)
    backends.documents.delete(Container.MEMBERSHIPS, "SIAM", number, if_match=stored.etag)
    login_member(backends, "SIAM", made.invitee.invitee_code, None, "10.0.0.1")  # restores it
    # The friend buys a membership under another email, with the phone they were invited by.
    bought = {"email": "nok.s@example.org", "phone": "+66899999999", "starts_on": NOW.date()}
    insert_bare_member(sor_rows(tmp_path), "SIAM-0000002", "22222", NOW, **bought)
    refresh_membership(backends, "SIAM", "SIAM-0000002", RefreshReason.MANUAL)
    invitation = member(backends, number).invitation
    assert invitation is not None
    assert invitation.converted_to == "SIAM-0000002"


class LosingFirstWrite:
    """A document store on which, just before the first write of `number`'s membership,
    `race` runs (another writer wins the etag race)."""

    def __init__(self, store: DocumentStore, number: str, race: Callable[[], object]) -> None:
        self._store, self._number, self._race = store, number, race

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def replace(self, container: Container, body: JsonDocument, *, if_match: str) -> Any:
        race, self._race = self._race, lambda: None
        if container is Container.MEMBERSHIPS and body["id"] == self._number:
            race()
        else:
            self._race = race
        return self._store.replace(container, body, if_match=if_match)


def test_two_first_logins_at_once_leave_no_voucher_code_the_invitee_does_not_hold(
    backends, tmp_path
):
    insert_campaign(
        sor_rows(tmp_path), "C-INV", *OPEN, NOW + timedelta(seconds=1), target="invitee"
    )
    refresh_program(backends, "SIAM", "scheduled")
    made = invite_friend(backends, member(backends), BY_BOTH)
    code, number = made.invitee.invitee_code, made.invitee.membership_number
    assert number is not None

    def other_login() -> object:
        return login_member(backends, "SIAM", code, None, "10.0.0.2")

    losing = replace(backends, documents=LosingFirstWrite(backends.documents, number, other_login))
    login_member(losing, "SIAM", code, None, "10.0.0.1")  # issues a code, then loses the write
    held = {v.code for v in member(backends, number).dynamic_vouchers}
    indexed = {
        entry.body["code"]
        for entry in backends.documents.query(Container.CODES, "SIAM")
        if entry.body.get("kind") == "dynamic" and entry.body["membershipNumber"] == number
    }
    assert len(held) == 1
    assert indexed == held
