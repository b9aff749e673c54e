import threading
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.adapters.sor import schema as t
from mosaic.domain.membership import DigitalMembership, Redemption, VoucherStatus
from mosaic.ports.documents import Container, DocumentAlreadyExists, JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.documents import load, update_with_retries
from mosaic.services.refresh import RefreshReason, refresh_membership
from tests.factories import NOW, embedded_backends, insert_member, sor_engine, sor_record
from tests.factories import sor_membership as membership

NUMBER = "SIAM-0000001"


def insert_campaign(engine: sa.Engine, id: str, target: str = "all", **overrides: Any) -> None:
    fields: dict[str, Any] = dict(
        id=id,
        program="SIAM",
        title=f"Campaign {id}",
        type="spa",
        hotel="SIAM-H01",
        target=target,
        valid_from=date(2026, 11, 1),
        valid_to=date(2026, 11, 30),
    )
    with engine.begin() as c:
        c.execute(sa.insert(t.dynamic_voucher_campaigns).values(**(fields | overrides)))


def member_and_campaigns(tmp_path: Path, *campaigns: str) -> Backends:
    """The factories' member, with campaigns targeting all members."""
    engine = sor_engine(tmp_path)
    insert_member(engine)
    for id in campaigns:
        insert_campaign(engine, id)
    return embedded_backends(tmp_path, engine=engine)


def refresh(backends: Backends, number: str = NUMBER) -> DigitalMembership:
    return refresh_membership(backends, "SIAM", number, RefreshReason.MANUAL)


def dynamic_index(backends: Backends) -> dict[str, str]:
    entries = backends.documents.query(Container.CODES, "SIAM", equals={"kind": "dynamic"})
    return {e.body["id"]: e.body["membershipNumber"] for e in entries}


def stored(backends: Backends, number: str = NUMBER) -> DigitalMembership:
    return load(DigitalMembership, backends.documents.read(Container.MEMBERSHIPS, "SIAM", number))


def test_a_refresh_issues_one_voucher_per_eligible_campaign_in_the_code_index(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    insert_campaign(engine, "C1", "all")
    insert_campaign(engine, "C2", "package:SIAM-GOLD", type="food", hotel=None)
    insert_campaign(engine, "C3", "full")
    insert_campaign(engine, "C4", "invitee")
    insert_campaign(engine, "C5", "all", valid_from=date(2026, 12, 1), valid_to=date(2026, 12, 31))
    backends = embedded_backends(tmp_path, engine=engine)
    vouchers = refresh(backends).dynamic_vouchers
    assert sorted(v.campaign for v in vouchers) == ["C1", "C2", "C3"]
    assert all(len(v.code) == 6 and v.code.isdigit() for v in vouchers)
    assert all(v.status is VoucherStatus.AVAILABLE for v in vouchers)
    assert dynamic_index(backends) == {f"dynamic:{v.code}": NUMBER for v in vouchers}
    assert stored(backends).dynamic_vouchers == vouchers


def test_every_later_refresh_keeps_the_same_codes(tmp_path):
    backends = member_and_campaigns(tmp_path, "C1", "C2")
    first = refresh(backends).dynamic_vouchers
    for _ in range(3):
        assert refresh(backends).dynamic_vouchers == first
    assert len(dynamic_index(backends)) == 2


def test_codes_are_unique_across_the_members_of_a_program(tmp_path):
    engine = sor_engine(tmp_path)
    numbers = [f"SIAM-{n:07d}" for n in range(1, 31)]
    for n, number in enumerate(numbers):
        m = membership(membership_number=number, activation_code=f"{10000 + n}", card_number=None)
        insert_member(engine, sor_record(membership=m, static_vouchers=[], tracking=[]))
    insert_campaign(engine, "C1")
    insert_campaign(engine, "C2")
    backends = embedded_backends(tmp_path, engine=engine)
    codes = [v.code for number in numbers for v in refresh(backends, number).dynamic_vouchers]
    assert len(codes) == 60
    assert len(set(codes)) == 60
    index = dynamic_index(backends)
    for number in numbers:
        assert all(
            index[f"dynamic:{v.code}"] == number for v in stored(backends, number).dynamic_vouchers
        )


def test_a_redemption_on_a_dynamic_voucher_survives_a_refresh(tmp_path):
    backends = member_and_campaigns(tmp_path, "C1")
    [voucher] = refresh(backends).dynamic_vouchers
    redemption = Redemption(idempotency_key="k1", hotel="SIAM-H01", redeemed_at=NOW)

    def redeem(current: StoredDocument | None) -> JsonDocument | None:
        assert current is not None
        body = dict(current.body)
        body["dynamicVouchers"] = [
            v
            | {
                "status": "redeemed",
                "redemptions": [redemption.model_dump(mode="json", by_alias=True)],
            }
            for v in body["dynamicVouchers"]
        ]
        return body

    update_with_retries(backends.documents, Container.MEMBERSHIPS, "SIAM", NUMBER, redeem)
    [after] = refresh(backends).dynamic_vouchers
    assert after.code == voucher.code
    assert after.status is VoucherStatus.REDEEMED
    assert after.redemptions == [redemption]


def test_a_campaign_for_another_package_issues_nothing(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    insert_campaign(engine, "C1", "package:SIAM-PLATINUM")
    backends = embedded_backends(tmp_path, engine=engine)
    assert refresh(backends).dynamic_vouchers == []
    assert dynamic_index(backends) == {}


def test_racing_refreshes_end_with_one_voucher_per_campaign(tmp_path):
    backends = member_and_campaigns(tmp_path, "C1", "C2")
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            refresh(backends)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    vouchers = stored(backends).dynamic_vouchers
    assert sorted(v.campaign for v in vouchers) == ["C1", "C2"]
    index = dynamic_index(backends)
    assert all(index[f"dynamic:{v.code}"] == NUMBER for v in vouchers)
    assert refresh(backends).dynamic_vouchers == vouchers


class _LosesFirstCreate(SqliteDocumentStore):
    """A membership create that loses once, as to another refresh that wrote first."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.lost = False

    def create(self, container: Container, body: JsonDocument) -> StoredDocument:
        if container is Container.MEMBERSHIPS and not self.lost:
            self.lost = True
            raise DocumentAlreadyExists(body["id"])
        return super().create(container, body)


def test_a_retried_write_reuses_the_codes_the_refresh_issued(tmp_path):
    backends = member_and_campaigns(tmp_path, "C1")
    store = _LosesFirstCreate(tmp_path / "documents-retry.sqlite")
    backends = replace(backends, documents=store)
    [voucher] = refresh(backends).dynamic_vouchers
    assert store.lost
    assert dynamic_index(backends) == {f"dynamic:{voucher.code}": NUMBER}


class _AnotherRefreshWritesFirst(SqliteDocumentStore):
    """Before this refresh's first membership write lands, another refresh (its own issued
    codes) writes the document."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.other: Backends | None = None

    def create(self, container: Container, body: JsonDocument) -> StoredDocument:
        if container is Container.MEMBERSHIPS and self.other is not None:
            other, self.other = self.other, None
            refresh(other)
            raise DocumentAlreadyExists(body["id"])
        return super().create(container, body)


def test_codes_issued_for_a_write_that_lost_are_released(tmp_path):
    backends = member_and_campaigns(tmp_path, "C1")
    store = _AnotherRefreshWritesFirst(tmp_path / "documents.sqlite")
    store.other = replace(backends, documents=SqliteDocumentStore(tmp_path / "documents.sqlite"))
    backends = replace(backends, documents=store)

    [voucher] = refresh(backends).dynamic_vouchers

    assert store.other is None  # the other refresh ran in between
    assert dynamic_index(backends) == {f"dynamic:{voucher.code}": NUMBER}


def test_a_redemption_racing_refreshes_in_threads_survives_them(tmp_path):
    """Refreshes that rewrite the document (the SoR name changes under them) race one POS
    redemption: every write is conditional on its etag, so the redemption is never lost."""
    from tests.sor_rows import touch_membership

    backends = member_and_campaigns(tmp_path, "C1")
    [voucher] = refresh(backends).dynamic_vouchers
    engine = backends.sor._engine  # type: ignore[attr-defined]  # the SoR file's engine
    redemption = Redemption(idempotency_key="k1", hotel="SIAM-H01", redeemed_at=NOW)
    barrier = threading.Barrier(5)
    errors: list[BaseException] = []

    def redeem(current: StoredDocument | None) -> JsonDocument | None:
        assert current is not None
        body = dict(current.body)
        body["dynamicVouchers"] = [
            v
            | {
                "status": "redeemed",
                "redemptions": [redemption.model_dump(mode="json", by_alias=True)],
            }
            for v in body["dynamicVouchers"]
        ]
        return body

    def refreshing(n: int) -> None:
        barrier.wait()
        try:
            for round in range(5):
                touch_membership(
                    engine, NUMBER, NOW + timedelta(seconds=n * 10 + round), f"N{n}{round}"
                )
                refresh(backends)
        except BaseException as error:  # reported below
            errors.append(error)

    def redeeming() -> None:
        barrier.wait()
        try:
            update_with_retries(backends.documents, Container.MEMBERSHIPS, "SIAM", NUMBER, redeem)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=refreshing, args=(n,)) for n in range(4)]
    threads.append(threading.Thread(target=redeeming))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    [after] = stored(backends).dynamic_vouchers
    assert (after.code, after.status, after.redemptions) == (
        voucher.code,
        VoucherStatus.REDEEMED,
        [redemption],
    )
