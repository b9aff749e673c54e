from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from mosaic.ports.documents import (
    Container,
    DocumentAlreadyExists,
    DocumentNotFound,
    DocumentStore,
    StaleDocument,
)

MEMBERSHIPS = Container.MEMBERSHIPS


def doc(program: str, id: str = "M001", **fields: Any) -> dict[str, Any]:
    return {"id": id, "program": program, **fields}


def test_created_document_reads_back_with_its_etag(store: DocumentStore, program: str) -> None:
    created = store.create(MEMBERSHIPS, doc(program, name="Somchai", points=12))

    read = store.read(MEMBERSHIPS, program, "M001")

    assert read.body == doc(program, name="Somchai", points=12)
    assert read.etag == created.etag
    assert created.body == read.body
    assert read.id == "M001"


def test_read_of_missing_document_is_refused(store: DocumentStore, program: str) -> None:
    with pytest.raises(DocumentNotFound):
        store.read(MEMBERSHIPS, program, "nobody")


def test_create_of_existing_id_is_refused(store: DocumentStore, program: str) -> None:
    store.create(MEMBERSHIPS, doc(program, name="first"))

    with pytest.raises(DocumentAlreadyExists):
        store.create(MEMBERSHIPS, doc(program, name="second"))
    assert store.read(MEMBERSHIPS, program, "M001").body["name"] == "first"


def test_every_write_gets_a_new_etag(store: DocumentStore, program: str) -> None:
    created = store.create(MEMBERSHIPS, doc(program, n=1))
    replaced = store.replace(MEMBERSHIPS, doc(program, n=2), if_match=created.etag)
    upserted = store.upsert(MEMBERSHIPS, doc(program, n=3))

    assert len({created.etag, replaced.etag, upserted.etag}) == 3
    assert store.read(MEMBERSHIPS, program, "M001").etag == upserted.etag


def test_replace_with_current_etag_stores_the_new_body(store: DocumentStore, program: str) -> None:
    created = store.create(MEMBERSHIPS, doc(program, status="active"))

    store.replace(MEMBERSHIPS, doc(program, status="expired"), if_match=created.etag)

    assert store.read(MEMBERSHIPS, program, "M001").body["status"] == "expired"


def test_replace_with_stale_etag_is_refused(store: DocumentStore, program: str) -> None:
    created = store.create(MEMBERSHIPS, doc(program, status="active"))
    store.replace(MEMBERSHIPS, doc(program, status="suspended"), if_match=created.etag)

    with pytest.raises(StaleDocument):
        store.replace(MEMBERSHIPS, doc(program, status="expired"), if_match=created.etag)
    assert store.read(MEMBERSHIPS, program, "M001").body["status"] == "suspended"


def test_replace_of_missing_document_is_refused(store: DocumentStore, program: str) -> None:
    with pytest.raises(DocumentNotFound):
        store.replace(MEMBERSHIPS, doc(program), if_match="whatever")


def test_two_threads_replacing_from_the_same_read_exactly_one_wins(
    open_store: Callable[[], DocumentStore], program: str
) -> None:
    stores = [open_store(), open_store()]
    etag = stores[0].create(MEMBERSHIPS, doc(program, winner=None)).etag
    barrier = threading.Barrier(8)

    def redeem(thread: int) -> int | None:
        barrier.wait()
        try:
            stores[thread % 2].replace(MEMBERSHIPS, doc(program, winner=thread), if_match=etag)
        except StaleDocument:
            return None
        return thread

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(redeem, range(8)))
    winners = [thread for thread in outcomes if thread is not None]

    assert len(winners) == 1
    assert stores[1].read(MEMBERSHIPS, program, "M001").body["winner"] == winners[0]


def test_upsert_creates_then_overwrites(store: DocumentStore, program: str) -> None:
    store.upsert(MEMBERSHIPS, doc(program, n=1))
    store.upsert(MEMBERSHIPS, doc(program, n=2))

    assert store.read(MEMBERSHIPS, program, "M001").body == doc(program, n=2)


def test_deleted_document_is_gone(store: DocumentStore, program: str) -> None:
    store.create(MEMBERSHIPS, doc(program))

    store.delete(MEMBERSHIPS, program, "M001")

    with pytest.raises(DocumentNotFound):
        store.read(MEMBERSHIPS, program, "M001")


def test_delete_of_missing_document_is_refused(store: DocumentStore, program: str) -> None:
    with pytest.raises(DocumentNotFound):
        store.delete(MEMBERSHIPS, program, "nobody")


def test_delete_with_stale_etag_is_refused(store: DocumentStore, program: str) -> None:
    created = store.create(MEMBERSHIPS, doc(program, n=1))
    current = store.upsert(MEMBERSHIPS, doc(program, n=2))

    with pytest.raises(StaleDocument):
        store.delete(MEMBERSHIPS, program, "M001", if_match=created.etag)
    store.delete(MEMBERSHIPS, program, "M001", if_match=current.etag)
    assert store.query(MEMBERSHIPS, program) == []


def test_documents_are_partitioned_by_program(
    store: DocumentStore, program: str, other_program: str
) -> None:
    store.create(MEMBERSHIPS, doc(program, owner="mine"))
    store.create(MEMBERSHIPS, doc(other_program, owner="theirs"))

    assert store.read(MEMBERSHIPS, program, "M001").body["owner"] == "mine"
    assert store.read(MEMBERSHIPS, other_program, "M001").body["owner"] == "theirs"
    assert [d.body["owner"] for d in store.query(MEMBERSHIPS, program)] == ["mine"]
    store.delete(MEMBERSHIPS, other_program, "M001")
    assert store.read(MEMBERSHIPS, program, "M001").body["owner"] == "mine"


def test_containers_are_separate(store: DocumentStore, program: str) -> None:
    store.create(MEMBERSHIPS, doc(program, kind="membership"))
    store.create(Container.CODES, doc(program, kind="code"))

    assert store.read(MEMBERSHIPS, program, "M001").body["kind"] == "membership"
    assert store.read(Container.CODES, program, "M001").body["kind"] == "code"
    with pytest.raises(DocumentNotFound):
        store.read(Container.PROGRAMS, program, "M001")


def test_query_by_nested_field(store: DocumentStore, program: str) -> None:
    store.create(MEMBERSHIPS, doc(program, "M1", membership={"card": {"number": "4000"}}))
    store.create(MEMBERSHIPS, doc(program, "M2", membership={"card": {"number": "5000"}}))
    store.create(MEMBERSHIPS, doc(program, "M3", membership={"status": "active"}))

    found = store.query(MEMBERSHIPS, program, equals={"membership.card.number": "5000"})

    assert [d.id for d in found] == ["M2"]


def test_query_requires_every_field_to_match(store: DocumentStore, program: str) -> None:
    store.create(MEMBERSHIPS, doc(program, "M1", status="active", mode="full"))
    store.create(MEMBERSHIPS, doc(program, "M2", status="active", mode="invitee"))
    store.create(MEMBERSHIPS, doc(program, "M3", status="expired", mode="full"))

    found = store.query(MEMBERSHIPS, program, equals={"status": "active", "mode": "full"})

    assert [d.id for d in found] == ["M1"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, ["bool"]),
        (False, ["false"]),
        (1, ["int", "one-float"]),
        ("1", ["text"]),
        (None, ["null"]),
    ],
)
def test_query_compares_json_values_by_type(
    store: DocumentStore, program: str, value: Any, expected: list[str]
) -> None:
    for id, flag in [("bool", True), ("false", False), ("int", 1), ("one-float", 1.0)]:
        store.create(MEMBERSHIPS, doc(program, id, flag=flag))
    store.create(MEMBERSHIPS, doc(program, "text", flag="1"))
    store.create(MEMBERSHIPS, doc(program, "null", flag=None))
    store.create(MEMBERSHIPS, doc(program, "missing"))

    found = store.query(MEMBERSHIPS, program, equals={"flag": value})

    assert sorted(d.id for d in found) == sorted(expected)


def test_query_orders_by_id_and_honours_the_limit(store: DocumentStore, program: str) -> None:
    for id in ["c", "a", "d", "b"]:
        store.create(MEMBERSHIPS, doc(program, id))

    assert [d.id for d in store.query(MEMBERSHIPS, program)] == ["a", "b", "c", "d"]
    assert [d.id for d in store.query(MEMBERSHIPS, program, limit=2)] == ["a", "b"]


def test_query_returns_etags_usable_for_replace(store: DocumentStore, program: str) -> None:
    store.create(MEMBERSHIPS, doc(program, n=1))
    (found,) = store.query(MEMBERSHIPS, program)

    store.replace(MEMBERSHIPS, doc(program, n=2), if_match=found.etag)

    assert store.read(MEMBERSHIPS, program, "M001").body["n"] == 2


def test_system_fields_are_not_returned(store: DocumentStore, program: str) -> None:
    body = doc(program, name="x", _rid="abc", _etag='"old"', _ts=1700000000)

    created = store.create(MEMBERSHIPS, body)

    for stored in [
        created,
        store.read(MEMBERSHIPS, program, "M001"),
        *store.query(MEMBERSHIPS, program),
    ]:
        assert not [key for key in stored.body if key.startswith("_")]
        assert stored.body["name"] == "x"


@pytest.mark.parametrize(
    "body",
    [{"program": "P"}, {"id": 7, "program": "P"}, {"id": "M1"}, {"id": "M1", "program": None}],
)
def test_body_without_string_id_and_program_is_refused(
    store: DocumentStore, body: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=r"id|program"):
        store.create(MEMBERSHIPS, body)


def test_unicode_and_nesting_survive_the_round_trip(store: DocumentStore, program: str) -> None:
    body = doc(program, name="สมชาย ใจดี", tags=["é", "ü"], nested={"a": [1, 2.5, None, True]})

    store.create(MEMBERSHIPS, body)

    assert store.read(MEMBERSHIPS, program, "M001").body == body


def test_two_store_instances_on_the_same_backend_share_documents_and_etags(
    open_store: Callable[[], DocumentStore], program: str
) -> None:
    host, cli = open_store(), open_store()
    created = host.create(MEMBERSHIPS, doc(program, n=1))

    cli.replace(
        MEMBERSHIPS, doc(program, n=2), if_match=cli.read(MEMBERSHIPS, program, "M001").etag
    )

    with pytest.raises(StaleDocument):
        host.replace(MEMBERSHIPS, doc(program, n=3), if_match=created.etag)
    assert host.read(MEMBERSHIPS, program, "M001").body["n"] == 2
