"""Discount codes and PINs on the membership: unique, raced, hashed."""

import threading

import pytest

from mosaic.domain.membership import DigitalMembership, Offer
from mosaic.domain.pins import pin_salt
from mosaic.ports.documents import Container
from mosaic.services.discount_codes import give_discount_code
from mosaic.services.documents import load, stored_body
from mosaic.services.pins import PIN_PURPOSE, give_pin
from mosaic.services.refresh import refresh_membership
from mosaic.services.refresh_requests import RefreshReason
from tests.factories import NOW, embedded_backends, insert_member, sor_engine

NUMBER = "SIAM-0000001"


@pytest.fixture
def backends(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    document = refresh_membership(backends, "SIAM", NUMBER, RefreshReason.MANUAL)
    offer = Offer(code="SPA20", title="Spa", valid_from=NOW.date(), valid_to=NOW.date())
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
    with_offer = document.model_copy(update={"offers": [offer]})
    backends.documents.replace(Container.MEMBERSHIPS, stored_body(with_offer), if_match=stored.etag)
    return backends


def member(backends) -> DigitalMembership:
    return load(DigitalMembership, backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER))


def test_parallel_requests_for_one_offer_make_one_code(backends):
    answers = []
    threads = [
        threading.Thread(
            target=lambda: answers.append(give_discount_code(backends, member(backends), "SPA20"))
        )
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({a.code.code for a in answers}) == 1
    assert sum(a.created for a in answers) == 1
    stored = member(backends)
    assert [c.code for c in stored.discount_codes] == [answers[0].code.code]
    index = backends.documents.query(Container.CODES, "SIAM")
    assert [d.body["code"] for d in index if d.body["kind"] == "discount"] == [answers[0].code.code]


def test_a_discount_code_is_indexed_to_its_member_for_the_pos(backends):
    given = give_discount_code(backends, member(backends), "SPA20")
    entry = backends.documents.read(Container.CODES, "SIAM", f"discount:{given.code.code}")
    assert entry.body["membershipNumber"] == NUMBER
    assert entry.body["offer"] == "SPA20"


def test_pin_hash_is_keyed_salted_and_never_the_digits(backends):
    given = give_pin(backends, member(backends))
    stored = member(backends).pins[-1]
    assert given.digits not in stored.hash
    expected = backends.keyed_hash.digest(
        PIN_PURPOSE, f"{pin_salt(member(backends), stored.created_at)}:{given.digits}"
    )
    assert stored.hash == expected
    assert backends.keyed_hash.matches(
        PIN_PURPOSE, f"{pin_salt(member(backends), stored.created_at)}:{given.digits}", stored.hash
    )
