"""The code index follows the SoR: superseded codes stop working, codes are never taken
over, a membership gone from the SoR is marked and its codes released."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from mosaic.adapters.clock import FixedClock
from mosaic.adapters.sor import schema as t
from mosaic.domain.building import build_membership
from mosaic.domain.errors import MembershipNotFound, UnknownActivationCode
from mosaic.domain.membership import MembershipMode
from mosaic.ports.documents import Container, DocumentNotFound
from mosaic.services.login import login_member
from mosaic.services.refresh import MEMBERSHIP_REFRESH_QUEUE, RefreshReason, refresh_membership
from tests.factories import (
    NOW,
    embedded_backends,
    insert_member,
    sor_engine,
    sor_membership,
    sor_record,
    static_voucher,
)

NUMBER = "SIAM-0000001"


@pytest.fixture
def engine(tmp_path):
    return sor_engine(tmp_path)


def _set_code(engine, number: str, code: str) -> None:
    with engine.begin() as c:
        c.execute(
            sa.update(t.memberships)
            .where(t.memberships.c.membership_number == number)
            .values(activation_code=code)
        )


def _refresh_log(backends, key: str) -> list[dict[str, Any]]:
    """The membership's refresh log entries (the fixed clock gives them one time)."""
    entries = backends.documents.query(Container.REFRESH_LOG, "SIAM", equals={"key": key})
    return [e.body for e in entries]


def test_code_changed_in_the_sor_and_refreshed_no_longer_logs_in(tmp_path, engine):
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    login_member(backends, "SIAM", "12345", None, "10.0.0.1")
    _set_code(engine, NUMBER, "67890")
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)

    with pytest.raises(UnknownActivationCode):
        login_member(backends, "SIAM", "12345", None, "10.0.0.1")
    assert login_member(backends, "SIAM", "67890", None, "10.0.0.1").membership.id == NUMBER
    with pytest.raises(DocumentNotFound):
        backends.documents.read(Container.CODES, "SIAM", "activation:12345")
    released = [e.get("codesReleased") for e in _refresh_log(backends, NUMBER)]
    assert ["activation:12345"] in released


def test_stale_index_entry_does_not_open_a_membership_that_lost_the_code(tmp_path, engine):
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)
    # The document moved on (a refresh elsewhere) but the index entry was left behind.
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
    body = stored.body | {"membership": stored.body["membership"] | {"activationCode": "67890"}}
    backends.documents.replace(Container.MEMBERSHIPS, body, if_match=stored.etag)
    _set_code(engine, NUMBER, "67890")

    with pytest.raises(UnknownActivationCode):
        login_member(backends, "SIAM", "12345", None, "10.0.0.1")


def test_voucher_code_gone_from_the_sor_is_released(tmp_path, engine):
    record = sor_record(static_vouchers=[static_voucher("54321"), static_voucher("54322")])
    insert_member(engine, record)
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)
    with engine.begin() as c:
        c.execute(sa.delete(t.static_vouchers).where(t.static_vouchers.c.code == "54322"))
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)

    assert backends.documents.read(Container.CODES, "SIAM", "static:54321")
    with pytest.raises(DocumentNotFound):
        backends.documents.read(Container.CODES, "SIAM", "static:54322")


def test_code_held_by_another_membership_is_not_taken_over(tmp_path, engine):
    insert_member(engine)
    other = sor_membership(
        membership_number="SIAM-0000002", activation_code="22222", card_number="4000999999999999"
    )
    insert_member(engine, sor_record(membership=other, static_vouchers=[]))
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)
    # The SoR gives 12345 to the other membership before the first one's refresh.
    _set_code(engine, NUMBER, "11111")
    _set_code(engine, "SIAM-0000002", "12345")

    refresh_membership(backends, "SIAM", "SIAM-0000002", RefreshReason.UPDATE)

    entry = backends.documents.read(Container.CODES, "SIAM", "activation:12345")
    assert entry.body["membershipNumber"] == NUMBER
    [logged] = _refresh_log(backends, "SIAM-0000002")
    assert logged["codeConflicts"] == [{"kind": "activation", "code": "12345", "heldBy": NUMBER}]
    queued = [m.body for m in backends.queue.peek(MEMBERSHIP_REFRESH_QUEUE)]
    assert any(NUMBER in body and "code-conflict" in body for body in queued)
    # The holder's refresh releases it; the claimant's next refresh then takes it.
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.CODE_CONFLICT)
    refresh_membership(backends, "SIAM", "SIAM-0000002", RefreshReason.CODE_CONFLICT)
    entry = backends.documents.read(Container.CODES, "SIAM", "activation:12345")
    assert entry.body["membershipNumber"] == "SIAM-0000002"
    assert login_member(backends, "SIAM", "12345", None, "10.0.0.1").membership.id == (
        "SIAM-0000002"
    )


def test_membership_gone_from_the_sor_is_marked_removed_and_its_codes_released(tmp_path, engine):
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)
    with engine.begin() as c:
        c.execute(sa.delete(t.static_vouchers))
        c.execute(sa.delete(t.tracking_transactions))
        c.execute(sa.delete(t.memberships))

    with pytest.raises(MembershipNotFound):
        refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)

    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER).body
    assert stored["membership"]["status"] == "removed"
    assert stored["meta"]["removedAt"] is not None
    assert backends.documents.query(Container.CODES, "SIAM") == []
    assert backends.search.search("SIAM", "ploy").total == 0
    [removal] = [e for e in _refresh_log(backends, NUMBER) if e["outcome"] == "removed"]
    assert sorted(removal["codesReleased"]) == ["activation:12345", "static:54321"]
    with pytest.raises(UnknownActivationCode):
        login_member(backends, "SIAM", "12345", None, "10.0.0.1")


def test_membership_never_digital_and_gone_is_logged_not_found(tmp_path, engine):
    backends = embedded_backends(tmp_path, engine=engine)
    with pytest.raises(MembershipNotFound):
        refresh_membership(backends, "SIAM", "SIAM-0000404", RefreshReason.UPDATE)
    [logged] = _refresh_log(backends, "SIAM-0000404")
    assert logged["outcome"] == "not-found"


def test_a_refresh_that_read_the_sor_before_a_newer_one_does_not_overwrite_it(tmp_path, engine):
    insert_member(engine)
    wall_clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=wall_clock)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)
    stale_read = backends.sor.membership_record(
        "SIAM", NUMBER, history_since=NOW - timedelta(days=365)
    )
    wall_clock.advance(timedelta(seconds=5))
    _set_code(engine, NUMBER, "67890")
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)

    # A slower refresh that read the SoR before the change writes now.
    class FrozenSor:
        def membership_record(self, *args, **kwargs):
            return stale_read

        def __getattr__(self, name):
            return getattr(backends.sor, name)

    slow = replace(backends, sor=FrozenSor(), wall_clock=FixedClock(NOW + timedelta(seconds=1)))
    kept = refresh_membership(slow, "SIAM", NUMBER, RefreshReason.LOGIN)

    assert kept.membership.activation_code == "67890"
    with pytest.raises(UnknownActivationCode):
        login_member(backends, "SIAM", "12345", None, "10.0.0.1")
    outcomes = [e["outcome"] for e in _refresh_log(backends, NUMBER)]
    assert "stale-read" in outcomes


def test_a_deletion_read_before_a_newer_refresh_does_not_remove_the_member(tmp_path, engine):
    insert_member(engine)
    wall_clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=wall_clock)
    wall_clock.advance(timedelta(seconds=5))
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)

    class EmptySor:
        def membership_record(self, *args, **kwargs):
            return None

        def __getattr__(self, name):
            return getattr(backends.sor, name)

    slow = replace(backends, sor=EmptySor(), wall_clock=FixedClock(NOW + timedelta(seconds=1)))
    refresh_membership(slow, "SIAM", NUMBER, RefreshReason.UPDATE)

    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER).body
    assert stored["membership"]["status"] == "active"
    assert login_member(backends, "SIAM", "12345", None, "10.0.0.1").membership.id == NUMBER


def test_refreshing_an_invitee_leaves_it_alone(tmp_path, engine):
    backends = embedded_backends(tmp_path, engine=engine)
    invitee = build_membership(
        sor_record(membership=sor_membership(membership_number="SIAM-I000001")), None, NOW
    )
    invitee.meta.mode = MembershipMode.INVITEE
    backends.documents.create(Container.MEMBERSHIPS, invitee.model_dump(mode="json", by_alias=True))

    kept = refresh_membership(backends, "SIAM", "SIAM-I000001", RefreshReason.DEVICE)

    assert kept.membership.status.value == "active"
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", "SIAM-I000001").body
    assert stored["membership"]["status"] == "active"
    [logged] = _refresh_log(backends, "SIAM-I000001")
    assert logged["outcome"] == "digital-only"
