"""A redemption writes the membership it read, conditional on that read's etag: one read
when nobody else writes, and nothing lost when somebody does in between."""

from dataclasses import dataclass, replace
from typing import Any

import pytest

from mosaic.domain.membership import DigitalMembership
from mosaic.ports.documents import Container, DocumentStore, JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.callers import Caller
from mosaic.services.program_refresh import refresh_program
from mosaic.services.redemptions import redeem_voucher
from mosaic.services.refresh import RefreshReason, refresh_membership
from tests.factories import embedded_backends, insert_member, sor_engine
from tests.sor_rows import insert_hotel

NUMBER = "SIAM-0000001"
STATIC = "54321"
AGENT = Caller(role="agent", id="agent:0123456789abcdef", program="SIAM", name="POS")


@dataclass(eq=False)
class Watched:
    """The document store, its membership reads counted; `meanwhile` runs once, before the
    SoR request of a static voucher is stored (between the redemption's read and write)."""

    store: DocumentStore
    membership_reads: int = 0
    meanwhile: Any = None

    def read(self, container: Container, program: str, id: str) -> StoredDocument:
        self.membership_reads += container is Container.MEMBERSHIPS
        return self.store.read(container, program, id)

    def create(self, container: Container, body: JsonDocument) -> StoredDocument:
        if container is Container.SOR_REQUESTS and self.meanwhile is not None:
            self.meanwhile, run = None, self.meanwhile
            run()
        return self.store.create(container, body)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


@pytest.fixture
def backends(tmp_path) -> Backends:
    engine = sor_engine(tmp_path)
    insert_member(engine)
    insert_hotel(engine, "SIAM-H01")
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_program(backends, "SIAM", "test")
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.IMPORT)
    return backends


def _watched(backends: Backends) -> tuple[Backends, Watched]:
    watched = Watched(backends.documents)
    return replace(backends, documents=watched), watched


def _membership(backends: Backends) -> DigitalMembership:
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
    return DigitalMembership.model_validate(stored.body)


def test_a_redemption_reads_the_membership_once_when_nobody_else_writes_it(backends):
    watching, watched = _watched(backends)

    outcome = redeem_voucher(watching, AGENT, STATIC, "SIAM-H01", None, "k-1")

    assert outcome.voucher.status == "redeemed"
    assert watched.membership_reads == 1
    [voucher] = _membership(backends).static_vouchers
    assert [r.idempotency_key for r in voucher.redemptions] == ["k-1"]


def test_a_membership_written_between_the_read_and_the_redemption_keeps_both_writes(backends):
    watching, watched = _watched(backends)

    def another_writer() -> None:
        stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
        body = stored.body | {"wallet": {"passes": ["apple"]}}
        backends.documents.replace(Container.MEMBERSHIPS, body, if_match=stored.etag)

    watched.meanwhile = another_writer

    redeem_voucher(watching, AGENT, STATIC, "SIAM-H01", None, "k-1")

    assert watched.membership_reads == 2  # the read, then again after the stale write
    body = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER).body
    assert body["wallet"] == {"passes": ["apple"]}
    [voucher] = body["staticVouchers"]
    assert [r["idempotencyKey"] for r in voucher["redemptions"]] == ["k-1"]
