"""An invitee who buys a full membership earns the inviter one referral voucher."""

import threading
from datetime import date, timedelta

import pytest

from mosaic.domain.building import build_membership
from mosaic.domain.membership import (
    DigitalMembership,
    Invitation,
    Invitee,
    MembershipMode,
    VoucherType,
)
from mosaic.ports.documents import Container
from mosaic.services.documents import stored_body
from mosaic.services.invitations import credit_inviter
from mosaic.services.refresh import refresh_membership
from mosaic.services.refresh_requests import RefreshReason
from tests.factories import (
    NOW,
    embedded_backends,
    insert_member,
    sor_engine,
    sor_membership,
    sor_record,
)

INVITER = "SIAM-0000001"
FRIEND = "SIAM-0000002"
MANUAL = RefreshReason.MANUAL


@pytest.fixture
def engine(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    return engine


@pytest.fixture
def backends(tmp_path, engine):
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_membership(backends, "SIAM", INVITER, MANUAL)
    return backends


def invite(backends, code: str, *, email=None, phone=None, inviter=INVITER, days_ago=3):
    """What POST /mobile/invitations leaves: an invitee document and the inviter's entry."""
    invited_at = NOW - timedelta(days=days_ago)
    base = build_membership(sor_record(), None, NOW)
    invitee = base.model_copy(
        update={
            "id": f"INV-{code}",
            "meta": base.meta.model_copy(
                update={"membership_number": f"INV-{code}", "mode": MembershipMode.INVITEE}
            ),
            "invitation": Invitation(
                invited_by=inviter,
                invitee_code=code,
                name="Friend",
                email=email,
                phone=phone,
                invited_at=invited_at,
            ),
        }
    )
    backends.documents.create(Container.MEMBERSHIPS, stored_body(invitee))
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", inviter)
    doc = DigitalMembership.model_validate(stored.body)
    entry = Invitee(
        name="Friend", contact=email or phone or "", invitee_code=code, invited_at=invited_at
    )
    doc = doc.model_copy(update={"invitees": [*doc.invitees, entry]})
    backends.documents.replace(Container.MEMBERSHIPS, stored_body(doc), if_match=stored.etag)


def friend_buys(engine, *, number=FRIEND, starts_on=date(2026, 11, 20), **contact):
    membership = sor_membership(
        membership_number=number,
        activation_code=f"2{number[-4:]}",
        card_number=None,
        email=contact.get("email", "Friend@Example.com "),
        phone=contact.get("phone"),
        starts_on=starts_on,
    )
    insert_member(engine, sor_record(membership=membership, static_vouchers=[], tracking=[]))


def document(backends, number) -> DigitalMembership:
    body = backends.documents.read(Container.MEMBERSHIPS, "SIAM", number).body
    return DigitalMembership.model_validate(body)


def invitation(backends, code: str) -> Invitation:
    found = document(backends, f"INV-{code}").invitation
    assert found is not None
    return found


def referrals(backends, number=INVITER):
    return [
        v for v in document(backends, number).dynamic_vouchers if v.type is VoucherType.REFERRAL
    ]


def test_a_new_full_member_matching_an_invitation_earns_the_inviter_one_voucher(backends, engine):
    invite(backends, "654321", email="friend@example.com")
    friend_buys(engine)

    for _ in range(3):
        refresh_membership(backends, "SIAM", FRIEND, MANUAL)
        refresh_membership(backends, "SIAM", INVITER, MANUAL)

    [voucher] = referrals(backends)
    assert voucher.campaign == "referral:654321"
    assert (voucher.valid_from, voucher.valid_to) == (date(2026, 11, 21), date(2027, 2, 18))
    assert len(voucher.code) == 6
    [entry] = document(backends, INVITER).invitees
    assert entry.converted_at == NOW
    converted = invitation(backends, "654321")
    assert (converted.converted_at, converted.converted_to) == (NOW, FRIEND)


def test_the_phone_matches_whatever_its_punctuation(backends, engine):
    invite(backends, "654321", phone="+66 81-222-3333")
    friend_buys(engine, email=None, phone="+66812223333")
    refresh_membership(backends, "SIAM", FRIEND, MANUAL)
    assert len(referrals(backends)) == 1


def test_a_member_from_before_the_invitation_is_no_conversion(backends, engine):
    invite(backends, "654321", email="friend@example.com", days_ago=3)
    friend_buys(engine, starts_on=date(2026, 11, 1))
    refresh_membership(backends, "SIAM", FRIEND, MANUAL)
    assert referrals(backends) == []
    assert invitation(backends, "654321").converted_at is None


def test_the_first_of_two_invitations_counts(backends, engine):
    other = sor_membership(
        membership_number="SIAM-0000003", activation_code="23333", card_number=None
    )
    insert_member(engine, sor_record(membership=other, static_vouchers=[], tracking=[]))
    refresh_membership(backends, "SIAM", "SIAM-0000003", MANUAL)
    invite(backends, "111111", email="friend@example.com", inviter="SIAM-0000003", days_ago=2)
    invite(backends, "222222", email="friend@example.com", days_ago=5)
    friend_buys(engine)

    refresh_membership(backends, "SIAM", FRIEND, MANUAL)

    assert len(referrals(backends, INVITER)) == 1
    assert referrals(backends, "SIAM-0000003") == []


def test_a_crash_between_inviter_and_invitee_still_gives_one_voucher(backends, engine):
    invite(backends, "654321", email="friend@example.com")
    friend_buys(engine)
    credit_inviter(backends, "SIAM", invitation(backends, "654321"), NOW, date(2026, 11, 21))
    # ... and the refresh crashed before marking the invitee

    refresh_membership(backends, "SIAM", FRIEND, MANUAL)

    assert len(referrals(backends)) == 1
    assert invitation(backends, "654321").converted_to == FRIEND


def test_parallel_refreshes_of_the_new_member_give_one_voucher(backends, engine):
    invite(backends, "654321", email="friend@example.com")
    friend_buys(engine)
    errors: list[BaseException] = []

    def refresh() -> None:
        try:
            refresh_membership(backends, "SIAM", FRIEND, MANUAL)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=refresh) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(referrals(backends)) == 1
