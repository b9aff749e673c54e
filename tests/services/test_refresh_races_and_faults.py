"""The refresh processor under races and faults found by review: parallel and superseded
refreshes, conversions refreshed twice, SoR changes just after a login, foreign currencies,
failures in the log, removed memberships, and the figures of issued vouchers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mosaic.adapters.clock import FixedClock
from mosaic.adapters.sor import schema as t
from mosaic.adapters.sor.sql import SorQueryFailed
from mosaic.domain.codes import CodeKind
from mosaic.domain.errors import MembershipNotFound
from mosaic.domain.membership import (
    DigitalMembership,
    MembershipStatus,
    Redemption,
    VoucherStatus,
)
from mosaic.ports.documents import Container, DocumentStore, JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.codes import find_code_owner
from mosaic.services.control import RefreshLogQuery, refresh_log_page
from mosaic.services.documents import load
from mosaic.services.membership_update import update_memberships
from mosaic.services.refresh import (
    MembershipRefreshRequest,
    RefreshReason,
    refresh_membership,
    refresh_requested,
)
from tests.factories import (
    NOW,
    embedded_backends,
    insert_member,
    sor_engine,
    sor_record,
    tracking,
)
from tests.services.test_invitee_conversion import friend_buys, invite, referrals
from tests.services.test_refresh_dynamic_vouchers import insert_campaign
from tests.sor_rows import (
    insert_bare_member,
    touch_membership,
)

NUMBER = "SIAM-0000001"
CODE = "12345"
MANUAL = RefreshReason.MANUAL
QUEUE = "membership-refresh"


def stored(backends: Backends, number: str = NUMBER) -> DigitalMembership:
    return load(DigitalMembership, backends.documents.read(Container.MEMBERSHIPS, "SIAM", number))


def run_queue(backends: Backends) -> None:
    """What the queue trigger does with every visible refresh request."""
    for message in backends.queue.receive(QUEUE, max_messages=32, visibility_timeout=30):
        refresh_requested(backends, MembershipRefreshRequest.model_validate_json(message.body))
        backends.queue.delete(QUEUE, message)


class _AfterFirstMembershipWrite:
    """A document store that runs `then` once, right after its first membership write: the
    refresh using it is the slower one, whose later steps run after `then`."""

    def __init__(self, store: DocumentStore, then: Callable[[], None]) -> None:
        self._store = store
        self._then: Callable[[], None] | None = then

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def _written(self, container: Container) -> None:
        if container is Container.MEMBERSHIPS and self._then is not None:
            then, self._then = self._then, None
            then()

    def create(self, container: Container, body: JsonDocument) -> StoredDocument:
        written = self._store.create(container, body)
        self._written(container)
        return written

    def replace(self, container: Container, body: JsonDocument, *, if_match: str) -> StoredDocument:
        written = self._store.replace(container, body, if_match=if_match)
        self._written(container)
        return written


class _BeforeFirstMembershipReplace:
    """A document store that runs `first` once, right before its first membership replace:
    after the refresh using it read the document, before it writes."""

    def __init__(self, store: DocumentStore, first: Callable[[], None]) -> None:
        self._store = store
        self._first: Callable[[], None] | None = first

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def replace(self, container: Container, body: JsonDocument, *, if_match: str) -> StoredDocument:
        if container is Container.MEMBERSHIPS and self._first is not None:
            first, self._first = self._first, None
            first()
        return self._store.replace(container, body, if_match=if_match)


def delete_member(engine: sa.Engine) -> None:
    """The membership and its rows gone from the SoR."""
    with engine.begin() as c:
        for table in (t.static_vouchers, t.tracking_transactions, t.memberships):
            c.execute(sa.delete(table).where(table.c.membership_number == NUMBER))


def _slow(backends: Backends, then: Callable[[], None]) -> Backends:
    return replace(backends, documents=_AfterFirstMembershipWrite(backends.documents, then))


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = sor_engine(tmp_path)
    insert_member(engine)
    return engine


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def backends(tmp_path: Path, engine: sa.Engine, clock: FixedClock) -> Backends:
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=clock)
    refresh_membership(backends, "SIAM", NUMBER, MANUAL)
    return backends


def test_a_member_invited_twice_earns_one_referral_voucher_however_often_refreshed(
    backends, engine
):
    insert_bare_member(engine, "SIAM-0000003", "23333", NOW - timedelta(days=30))
    refresh_membership(backends, "SIAM", "SIAM-0000003", MANUAL)
    invite(backends, "111111", email="friend@example.com", inviter="SIAM-0000003", days_ago=2)
    invite(backends, "222222", email="friend@example.com", days_ago=5)
    friend_buys(engine)

    for _ in range(2):
        refresh_membership(backends, "SIAM", "SIAM-0000002", MANUAL)

    assert len(referrals(backends, NUMBER)) == 1  # the first invitation counts
    assert referrals(backends, "SIAM-0000003") == []


def test_an_sor_change_reaches_the_document_even_just_after_a_login_refresh(
    backends, engine, clock
):
    update_memberships(backends)  # the watermark: now
    clock.advance(timedelta(seconds=10))  # a login refreshed the member 10 s ago (fixture)
    touch_membership(engine, NUMBER, clock.now(), name="Renamed")
    clock.advance(timedelta(seconds=20))
    assert update_memberships(backends).queued == 1

    run_queue(backends)

    assert stored(backends).membership.member_name == "Renamed"


def test_an_older_refresh_finishing_last_leaves_the_code_index_on_the_current_code(
    backends, engine, clock
):
    clock.advance(timedelta(seconds=1))
    touch_membership(engine, NUMBER, clock.now(), name="Renamed")  # so the older one writes

    def newer_refresh_with_a_new_code() -> None:
        clock.advance(timedelta(seconds=1))
        with engine.begin() as c:
            c.execute(
                sa.update(t.memberships)
                .where(t.memberships.c.membership_number == NUMBER)
                .values(activation_code="67890", updated_at=clock.now())
            )
        clock.advance(timedelta(seconds=1))
        refresh_membership(backends, "SIAM", NUMBER, MANUAL)

    refresh_membership(_slow(backends, newer_refresh_with_a_new_code), "SIAM", NUMBER, MANUAL)

    assert stored(backends).membership.activation_code == "67890"
    kind = CodeKind.MEMBERSHIP_ACTIVATION
    assert find_code_owner(backends.documents, "SIAM", kind, "67890") == NUMBER
    assert find_code_owner(backends.documents, "SIAM", kind, CODE) is None


def test_an_older_refresh_finishing_after_the_removal_leaves_the_member_removed_everywhere(
    backends, engine, clock
):
    clock.advance(timedelta(seconds=1))
    touch_membership(engine, NUMBER, clock.now(), name="Renamed")

    def removal() -> None:
        delete_member(engine)
        clock.advance(timedelta(seconds=1))
        with pytest.raises(MembershipNotFound):
            refresh_membership(backends, "SIAM", NUMBER, MANUAL)

    refresh_membership(_slow(backends, removal), "SIAM", NUMBER, MANUAL)

    assert stored(backends).membership.status is MembershipStatus.REMOVED
    assert backends.search.search("SIAM", None).total == 0
    kind = CodeKind.MEMBERSHIP_ACTIVATION
    assert find_code_owner(backends.documents, "SIAM", kind, CODE) is None


def test_a_redemption_stored_between_the_refresh_read_and_write_survives(backends, engine, clock):
    """Held: the refresh's write is conditional on the etag it read, and it re-decides."""
    insert_campaign(engine, "C1")
    clock.advance(timedelta(seconds=1))
    [voucher] = refresh_membership(backends, "SIAM", NUMBER, MANUAL).dynamic_vouchers
    touch_membership(engine, NUMBER, NOW + timedelta(seconds=2), name="Renamed")
    clock.advance(timedelta(seconds=2))
    redemption = Redemption(idempotency_key="k1", hotel="SIAM-H01", redeemed_at=NOW)
    store = backends.documents

    def redeem() -> None:
        current = store.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
        redeemed = json.loads(json.dumps(current.body))
        redeemed["dynamicVouchers"][0] |= {
            "status": "redeemed",
            "redemptions": [redemption.model_dump(mode="json", by_alias=True)],
        }
        store.replace(Container.MEMBERSHIPS, redeemed, if_match=current.etag)

    refresh_membership(
        replace(backends, documents=_BeforeFirstMembershipReplace(store, redeem)),
        "SIAM",
        NUMBER,
        MANUAL,
    )

    after = stored(backends)
    assert after.membership.member_name == "Renamed"
    [kept] = after.dynamic_vouchers
    assert (kept.code, kept.status, kept.redemptions) == (
        voucher.code,
        VoucherStatus.REDEEMED,
        [redemption],
    )


def test_a_tracking_row_in_another_currency_does_not_make_the_member_unrefreshable(tmp_path):
    engine = sor_engine(tmp_path)
    abroad = tracking("40.00", currency="USD", hotel="SIAM-LPQHER")
    insert_member(engine, sor_record(tracking=[tracking(), abroad]))
    backends = embedded_backends(tmp_path, engine=engine)

    document = refresh_membership(backends, "SIAM", NUMBER, MANUAL)

    assert len(document.tracking_transactions) == 2


class _BrokenSor:
    """An SoR that answers a membership read with an error that is not an outage."""

    def __init__(self, sor: Any) -> None:
        self._sor = sor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sor, name)

    def membership_record(self, *args: Any, **kwargs: Any) -> Any:
        raise SorQueryFailed("ORA-00942: table or view does not exist")


def test_a_failed_refresh_logs_its_error(backends):
    broken = replace(backends, sor=_BrokenSor(backends.sor))
    with pytest.raises(SorQueryFailed):
        refresh_membership(broken, "SIAM", NUMBER, MANUAL)

    newest = refresh_log_page(backends, RefreshLogQuery("SIAM", outcome="failed")).documents
    assert newest
    assert "ORA-00942" in str(newest[0].body.get("error"))


def test_the_refresh_log_tells_refreshes_apart_under_a_frozen_business_clock(backends, clock):
    clock.advance(timedelta(minutes=5))
    refresh_membership(backends, "SIAM", NUMBER, MANUAL)

    first, second = refresh_log_page(backends, RefreshLogQuery("SIAM")).documents[:2]

    assert first.body["started"] > second.body["started"]


def test_the_program_statistics_count_the_dynamic_vouchers_issued_per_hotel(tmp_path):
    from mosaic.services.program_refresh import refresh_program

    engine = sor_engine(tmp_path)
    insert_member(engine)
    insert_campaign(engine, "C1", hotel="SIAM-H01")
    backends = embedded_backends(tmp_path, engine=engine)
    [voucher] = refresh_membership(backends, "SIAM", NUMBER, MANUAL).dynamic_vouchers

    statistics = refresh_program(backends, "SIAM", "manual").statistics

    assert [(f.subject, f.count) for f in statistics.dynamic_vouchers_per_hotel] == [
        (voucher.hotel, 1)
    ]


def test_refreshing_a_removed_membership_again_writes_nothing(backends, engine, clock):
    delete_member(engine)
    clock.advance(timedelta(seconds=1))
    with pytest.raises(MembershipNotFound):
        refresh_membership(backends, "SIAM", NUMBER, MANUAL)
    etag = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER).etag
    clock.advance(timedelta(minutes=5))

    with pytest.raises(MembershipNotFound):
        refresh_membership(backends, "SIAM", NUMBER, MANUAL)

    assert backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER).etag == etag
