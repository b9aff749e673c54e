"""DocumentStore.increment: an atomic counter on a top-level field, created on first use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from mosaic.ports.documents import Container, DocumentStore

SYSTEM = Container.SYSTEM


def test_first_increment_creates_the_document_from_initial(
    store: DocumentStore, program: str
) -> None:
    value = store.increment(SYSTEM, program, "logins", "count", 3, initial={"kind": "throttle"})

    stored = store.read(SYSTEM, program, "logins")
    assert value == 3
    assert stored.body == {"id": "logins", "program": program, "kind": "throttle", "count": 3}


def test_increment_adds_to_the_stored_value_and_keeps_other_fields(
    store: DocumentStore, program: str
) -> None:
    created = store.create(SYSTEM, {"id": "c", "program": program, "count": 10, "note": "x"})

    assert store.increment(SYSTEM, program, "c", "count") == 11
    assert store.increment(SYSTEM, program, "c", "count", -4, initial={"note": "ignored"}) == 7

    stored = store.read(SYSTEM, program, "c")
    assert stored.body == {"id": "c", "program": program, "count": 7, "note": "x"}
    assert stored.etag != created.etag


def test_every_increment_is_a_write_with_a_new_etag(store: DocumentStore, program: str) -> None:
    etags = set()
    for _ in range(3):
        store.increment(SYSTEM, program, "c", "count")
        etags.add(store.read(SYSTEM, program, "c").etag)

    assert len(etags) == 3


def test_a_missing_field_of_an_existing_document_counts_as_zero(
    store: DocumentStore, program: str
) -> None:
    store.create(SYSTEM, {"id": "c", "program": program, "other": 1})

    assert store.increment(SYSTEM, program, "c", "count", 5) == 5
    assert store.read(SYSTEM, program, "c").body["other"] == 1


@pytest.mark.parametrize("value", ["7", 1.5, True, None, [1], {"n": 1}])
def test_a_field_that_is_not_an_integer_is_refused_and_left_alone(
    store: DocumentStore, program: str, value: object
) -> None:
    created = store.create(SYSTEM, {"id": "c", "program": program, "count": value})

    with pytest.raises(ValueError, match="count"):
        store.increment(SYSTEM, program, "c", "count")
    assert store.read(SYSTEM, program, "c") == created


@pytest.mark.parametrize("field", ["id", "program", "ttl", "_ts", "a.b", "", "a b", 'a"'])
def test_only_plain_top_level_fields_can_be_incremented(
    store: DocumentStore, program: str, field: str
) -> None:
    with pytest.raises(ValueError, match="field"):
        store.increment(SYSTEM, program, "c", field)


def test_initial_must_not_name_the_identity(store: DocumentStore, program: str) -> None:
    with pytest.raises(ValueError, match="initial"):
        store.increment(SYSTEM, program, "c", "count", initial={"program": "other"})


def test_the_ttl_is_set_on_the_created_document(store: DocumentStore, program: str) -> None:
    store.increment(SYSTEM, program, "c", "count", ttl=3600)

    assert store.read(SYSTEM, program, "c").body["ttl"] == 3600


def test_concurrent_increments_from_two_stores_lose_nothing(
    open_store: Callable[[], DocumentStore], program: str
) -> None:
    stores, threads, each = [open_store(), open_store()], 8, 25
    barrier = threading.Barrier(threads)

    def work(thread: int) -> list[int]:
        barrier.wait()
        store = stores[thread % 2]
        return [store.increment(SYSTEM, program, "hits", "count") for _ in range(each)]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        returned = [value for values in pool.map(work, range(threads)) for value in values]

    assert sorted(returned) == list(range(1, threads * each + 1))
    assert stores[1].read(SYSTEM, program, "hits").body["count"] == threads * each


def test_increment_each_counts_every_key_and_answers_their_bodies_in_order(
    store: DocumentStore, program: str, other_program: str
) -> None:
    store.create(SYSTEM, {"id": "a", "program": program, "n": 4, "note": "kept"})

    bodies = store.increment_each(
        SYSTEM, [(program, "a"), (other_program, "b")], "n", 2, initial={"kind": "k"}, ttl=60
    )

    assert bodies == [
        {"id": "a", "program": program, "n": 6, "note": "kept"},
        {"id": "b", "program": other_program, "kind": "k", "n": 2, "ttl": 60},
    ]
    assert store.read(SYSTEM, other_program, "b").body["n"] == 2


def test_increment_each_refuses_the_same_key_twice(store: DocumentStore, program: str) -> None:
    with pytest.raises(ValueError, match="once per call"):
        store.increment_each(SYSTEM, [(program, "a"), (program, "a")], "n")


def test_concurrent_increment_each_answer_every_count_once(
    open_store: Callable[[], DocumentStore], program: str, other_program: str
) -> None:
    stores, threads, each = [open_store(), open_store()], 8, 20
    barrier = threading.Barrier(threads)
    keys = [(program, "x"), (other_program, "y")]

    def work(thread: int) -> list[tuple[int, int]]:
        barrier.wait()
        store = stores[thread % 2]
        answers = []
        for _ in range(each):
            x, y = store.increment_each(SYSTEM, keys, "n")
            answers.append((x["n"], y["n"]))
        return answers

    with ThreadPoolExecutor(max_workers=threads) as pool:
        answered = [pair for pairs in pool.map(work, range(threads)) for pair in pairs]

    everything = list(range(1, threads * each + 1))
    assert sorted(x for x, _ in answered) == everything
    assert sorted(y for _, y in answered) == everything
