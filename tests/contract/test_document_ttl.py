"""A body's `ttl`: the document expires that many seconds after its last write (Cosmos DB)."""

from __future__ import annotations

from typing import Any

import pytest

from mosaic.ports.documents import Container, DocumentNotFound, DocumentStore
from tests.contract.conftest import Clock

LOG = Container.REFRESH_LOG
TEN_YEARS = 10 * 365 * 24 * 3600


def doc(program: str, id: str = "R1", **fields: Any) -> dict[str, Any]:
    return {"id": id, "program": program, **fields}


def expires_in(
    seconds: float,
    store: DocumentStore,
    clock: Clock,
    program: str,
    id: str = "R1",
    container: Container = LOG,
) -> dict[str, Any]:
    """Checks that the document lives `seconds` more, to the last half second; its body."""
    clock.advance(seconds - 0.5)
    body = store.read(container, program, id).body
    clock.advance(0.5)
    with pytest.raises(DocumentNotFound):
        store.read(container, program, id)
    return body


def test_a_document_lives_until_its_ttl_has_passed(
    store: DocumentStore, program: str, clock: Clock
) -> None:
    store.create(LOG, doc(program, ttl=60))

    assert expires_in(60, store, clock, program) == doc(program, ttl=60)


@pytest.mark.parametrize("fields", [{}, {"ttl": -1}, {"ttl": None}])
def test_without_a_positive_ttl_a_document_never_expires(
    store: DocumentStore, program: str, clock: Clock, fields: dict[str, Any]
) -> None:
    store.create(LOG, doc(program, **fields))

    clock.advance(TEN_YEARS)

    assert store.read(LOG, program, "R1").body == doc(program, **fields)


@pytest.mark.parametrize("ttl", [0, -2, "60", 1.5, True])
def test_a_ttl_that_is_not_whole_seconds_or_minus_one_is_refused(
    store: DocumentStore, program: str, ttl: object
) -> None:
    with pytest.raises(ValueError, match="ttl"):
        store.create(LOG, doc(program, ttl=ttl))


def test_the_ttl_counts_from_the_last_write(
    store: DocumentStore, program: str, clock: Clock
) -> None:
    created = store.create(LOG, doc(program, ttl=60, n=1))
    clock.advance(50)
    store.replace(LOG, doc(program, ttl=60, n=2), if_match=created.etag)

    assert expires_in(60, store, clock, program)["n"] == 2


def test_an_expired_document_is_missing_for_every_operation(
    store: DocumentStore, program: str, clock: Clock
) -> None:
    created = store.create(LOG, doc(program, ttl=10, n=1))
    store.create(LOG, doc(program, "kept", n=1))
    clock.advance(10)

    assert [d.id for d in store.query(LOG, program)] == ["kept"]
    with pytest.raises(DocumentNotFound):
        store.replace(LOG, doc(program, n=2), if_match=created.etag)
    with pytest.raises(DocumentNotFound):
        store.delete(LOG, program, "R1")
    with pytest.raises(DocumentNotFound):
        store.delete(LOG, program, "R1", if_match=created.etag)


def test_create_takes_the_place_of_an_expired_document(
    store: DocumentStore, program: str, clock: Clock
) -> None:
    old = store.create(LOG, doc(program, ttl=10, n=1))
    clock.advance(10)

    new = store.create(LOG, doc(program, n=2))

    clock.advance(TEN_YEARS)
    assert store.read(LOG, program, "R1").body == doc(program, n=2)
    assert new.etag != old.etag


def test_upsert_over_an_expired_document_starts_afresh(
    store: DocumentStore, program: str, clock: Clock
) -> None:
    store.create(LOG, doc(program, ttl=10, n=1))
    clock.advance(10)

    store.upsert(LOG, doc(program, ttl=10, n=2))

    clock.advance(9)
    assert store.read(LOG, program, "R1").body["n"] == 2


def test_increment_of_an_expired_counter_starts_from_initial(
    store: DocumentStore, program: str, clock: Clock
) -> None:
    system = Container.SYSTEM
    assert store.increment(system, program, "hits", "count", initial={"w": 1}, ttl=60) == 1
    assert store.increment(system, program, "hits", "count", initial={"w": 2}, ttl=60) == 2
    clock.advance(60)

    assert store.increment(system, program, "hits", "count", initial={"w": 3}, ttl=30) == 1
    assert store.read(system, program, "hits").body == doc(program, "hits", w=3, count=1, ttl=30)


def test_increment_of_a_live_counter_keeps_its_ttl_and_restarts_it(
    store: DocumentStore, program: str, clock: Clock
) -> None:
    system = Container.SYSTEM
    store.increment(system, program, "hits", "count", ttl=60)
    clock.advance(50)
    store.increment(system, program, "hits", "count", ttl=5)

    assert expires_in(60, store, clock, program, "hits", system)["count"] == 2


def test_purging_leaves_live_documents_alone(
    store: DocumentStore, program: str, clock: Clock
) -> None:
    store.create(LOG, doc(program, "old", ttl=10))
    store.create(LOG, doc(program, "young", ttl=100))
    store.create(LOG, doc(program, "forever"))
    clock.advance(10)

    store.purge_expired()

    assert [d.id for d in store.query(LOG, program)] == ["forever", "young"]
    with pytest.raises(DocumentNotFound):
        store.read(LOG, program, "old")


@pytest.mark.parametrize("fields", [{}, {"ttl": -1}])
def test_an_increment_does_not_make_a_lasting_document_expire(
    store: DocumentStore, program: str, clock: Clock, fields: dict[str, Any]
) -> None:
    store.create(Container.SYSTEM, doc(program, n=1, **fields))
    store.increment(Container.SYSTEM, program, "R1", "n")

    clock.advance(TEN_YEARS)

    assert store.read(Container.SYSTEM, program, "R1").body == doc(program, n=2, **fields)


def test_an_increment_counts_a_live_ttl_again_from_its_write(
    store: DocumentStore, program: str, clock: Clock
) -> None:
    store.increment(Container.SYSTEM, program, "R1", "n", ttl=60)
    clock.advance(50)
    store.increment(Container.SYSTEM, program, "R1", "n")

    body = expires_in(60, store, clock, program, container=Container.SYSTEM)
    assert body == doc(program, n=2, ttl=60)
