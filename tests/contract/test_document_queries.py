"""Queries: typed filters and ranges, order by a field, keyset pages, count, iterate."""

from __future__ import annotations

from typing import Any

import pytest

from mosaic.ports.documents import (
    INDEXED_FIELDS,
    Container,
    DocumentStore,
    OrderBy,
    Where,
)
from tests.contract.conftest import Clock

MEMBERSHIPS = Container.MEMBERSHIPS
EXPIRY, TIER = "loyalty.nextDue", "loyalty.tier"  # TIER: a field no index holds


def member(program: str, id: str, **loyalty: Any) -> dict[str, Any]:
    return {"id": id, "program": program, "loyalty": loyalty}


def ids(documents: Any) -> list[str]:
    return [document.id for document in documents]


def fill(store: DocumentStore, program: str, values: dict[str, Any]) -> None:
    """One member per id; a value of ... leaves `loyalty.nextDue` out."""
    for id, value in values.items():
        body = member(program, id) if value is ... else member(program, id, nextDue=value)
        store.create(MEMBERSHIPS, body)


MIXED = {
    "a": "2024-05-31",
    "b": 3,
    "c": "2024-02-29",
    "d": ...,
    "e": 3.0,
    "f": "2024-05-31",
    "g": True,
    "h": None,
    "i": "3",
    "j": -1,
    "k": ...,
}


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("<", "2024-05-31", ["c"]),
        ("<=", "2024-05-31", ["a", "c", "f"]),
        (">", "2024-02-29", ["a", "f", "i"]),
        (">=", "2024-02-29", ["a", "c", "f", "i"]),
        (">", "", ["a", "c", "f", "i"]),
        ("<", 3, ["j"]),
        ("<=", 3, ["b", "e", "j"]),
        (">", -1, ["b", "e"]),
        (">=", 0, ["b", "e"]),
        ("<", 100, ["b", "e", "j"]),
        ("=", 3, ["b", "e"]),
        ("=", "3", ["i"]),
        ("=", True, ["g"]),
        ("=", None, ["h"]),
    ],
)
def test_a_range_compares_strings_with_strings_and_numbers_with_numbers(
    store: DocumentStore, program: str, op: Any, value: Any, expected: list[str]
) -> None:
    fill(store, program, MIXED)

    found = store.query(MEMBERSHIPS, program, where=[Where(EXPIRY, op, value)])

    assert ids(found) == expected
    assert store.count(MEMBERSHIPS, program, where=[Where(EXPIRY, op, value)]) == len(expected)


def test_conditions_all_hold_and_a_field_that_is_not_indexed_can_be_filtered(
    store: DocumentStore, program: str
) -> None:
    for id, tier, points in [("a", "gold", 10), ("b", "gold", 30), ("c", "silver", 30)]:
        store.create(MEMBERSHIPS, member(program, id, tier=tier, points=points))

    where = [Where(TIER, "=", "gold"), Where("loyalty.points", ">=", 20)]

    assert ids(store.query(MEMBERSHIPS, program, where=where)) == ["b"]
    assert store.count(MEMBERSHIPS, program, where=where) == 1
    assert store.count(MEMBERSHIPS, program) == 3


def test_a_query_on_id_compares_it_as_the_string_it_is(store: DocumentStore, program: str) -> None:
    fill(store, program, {"activation:1": 1, "activation:2": 2, "card:1": 3, "1": 4})

    prefix = [Where("id", ">=", "activation:"), Where("id", "<", "activation;")]
    assert ids(store.query(MEMBERSHIPS, program, where=prefix)) == ["activation:1", "activation:2"]
    assert ids(store.query(MEMBERSHIPS, program, where=[Where("id", "=", "1")])) == ["1"]
    assert ids(store.query(MEMBERSHIPS, program, where=[Where("id", "=", 1)])) == []


def test_order_by_a_field_then_id_missing_first_and_numbers_before_strings(
    store: DocumentStore, program: str
) -> None:
    fill(store, program, {k: v for k, v in MIXED.items() if v is ... or type(v) in (str, int)})
    expected = ["d", "k", "j", "b", "c", "a", "f", "i"]

    ascending = store.query(MEMBERSHIPS, program, order_by=OrderBy(EXPIRY))
    descending = store.query(MEMBERSHIPS, program, order_by=OrderBy(EXPIRY, descending=True))

    assert ids(ascending) == expected
    assert ids(descending) == expected[::-1]


def test_order_by_id_descending_and_a_limit(store: DocumentStore, program: str) -> None:
    fill(store, program, dict.fromkeys("cadb", 1))

    found = store.query(MEMBERSHIPS, program, order_by=OrderBy("id", descending=True), limit=3)

    assert ids(found) == ["d", "c", "b"]
    assert store.query(MEMBERSHIPS, program, limit=0) == []


def test_only_id_and_indexed_fields_can_order(store: DocumentStore, program: str) -> None:
    assert "loyalty.points" not in INDEXED_FIELDS[MEMBERSHIPS]

    with pytest.raises(ValueError, match=r"loyalty\.points"):
        store.query(MEMBERSHIPS, program, order_by=OrderBy("loyalty.points"))


@pytest.mark.parametrize(
    ("path", "op", "value"),
    [
        ("a..b", "=", 1),
        ("a.b-c", "=", 1),
        ("_ts", ">", 1),
        ('a"', "=", 1),
        ("a", "!=", 1),
        ("a", "LIKE", "x"),
        ("a", "<", True),
        ("a", ">=", None),
    ],
)
def test_a_bad_condition_is_refused(path: str, op: Any, value: Any) -> None:
    with pytest.raises(ValueError, match=r"path|operator|range"):
        Where(path, op, value)


# Ties in the sort field (many 2024-01), missing fields, and ids out of insertion order.
PAGED = {f"m{n:02d}": ... if n % 7 == 0 else f"2024-{n % 4 + 1:02d}" for n in range(37, 0, -1)}


def _order(descending: bool) -> list[str]:
    key = {id: ("" if value is ... else value, id) for id, value in PAGED.items()}
    return sorted(PAGED, key=key.__getitem__, reverse=descending)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("page_size", [1, 4, 36, 37, 100])
def test_pages_hold_every_match_once_in_order(
    store: DocumentStore, program: str, page_size: int, descending: bool
) -> None:
    fill(store, program, PAGED)
    order, seen, continuation = OrderBy(EXPIRY, descending), [], None

    for _ in range(len(PAGED) + 1):
        page = store.page(
            MEMBERSHIPS, program, order_by=order, page_size=page_size, continuation=continuation
        )
        assert len(page.documents) <= page_size
        seen += ids(page.documents)
        if (continuation := page.continuation) is None:
            break

    assert seen == _order(descending)
    assert continuation is None


def test_writes_between_pages_neither_repeat_nor_skip_a_document(
    store: DocumentStore, program: str
) -> None:
    fill(store, program, PAGED)
    order, seen = OrderBy(EXPIRY), []
    page = store.page(MEMBERSHIPS, program, order_by=order, page_size=10)
    while True:
        seen += ids(page.documents)
        for document in page.documents[:3]:  # rewrite what was read, its sort field unchanged
            store.upsert(MEMBERSHIPS, document.body | {"touched": True})
        store.create(MEMBERSHIPS, member(program, f"early{len(seen)}", nextDue="2024-00"))
        store.create(MEMBERSHIPS, member(program, f"late{len(seen):02d}", nextDue="2024-99"))
        if page.continuation is None:
            break
        page = store.page(
            MEMBERSHIPS, program, order_by=order, page_size=10, continuation=page.continuation
        )

    # What was written ahead of the last page read comes later; what fell behind it does not.
    assert seen == [*_order(False), "late10", "late20", "late30"]
    assert store.count(MEMBERSHIPS, program, where=[Where(EXPIRY, "=", "2024-00")]) == 4


def test_a_filtered_descending_iteration_streams_every_match(
    store: DocumentStore, program: str
) -> None:
    fill(store, program, PAGED)
    where = [Where(EXPIRY, ">=", "2024-02"), Where(EXPIRY, "<", "2024-04")]
    order = OrderBy(EXPIRY, descending=True)

    streamed = ids(store.iterate(MEMBERSHIPS, program, where=where, order_by=order, page_size=3))

    expected = [id for id in _order(True) if PAGED[id] in ("2024-02", "2024-03")]
    assert streamed == expected
    assert store.count(MEMBERSHIPS, program, where=where) == len(expected)


def test_equal_keys_page_by_id(store: DocumentStore, program: str) -> None:
    fill(store, program, PAGED)
    where, order = [Where(EXPIRY, "=", "2024-01")], OrderBy(EXPIRY, descending=True)

    streamed = ids(store.iterate(MEMBERSHIPS, program, where=where, order_by=order, page_size=2))

    assert streamed == sorted((id for id, v in PAGED.items() if v == "2024-01"), reverse=True)


def test_a_continuation_token_serves_only_its_own_query(
    store: DocumentStore, program: str, other_program: str
) -> None:
    fill(store, program, PAGED)
    token = store.page(MEMBERSHIPS, program, order_by=OrderBy(EXPIRY), page_size=2).continuation
    assert token is not None

    for container, owner, order in [
        (MEMBERSHIPS, program, OrderBy(EXPIRY, descending=True)),
        (MEMBERSHIPS, other_program, OrderBy(EXPIRY)),
        (Container.CODES, program, OrderBy()),
    ]:
        with pytest.raises(ValueError, match="continuation"):
            store.page(container, owner, order_by=order, continuation=token)
    with pytest.raises(ValueError, match="continuation"):
        store.page(MEMBERSHIPS, program, order_by=OrderBy(EXPIRY), continuation="garbage")


def test_expired_documents_are_not_counted_or_streamed(
    store: DocumentStore, program: str, clock: Clock
) -> None:
    store.create(MEMBERSHIPS, member(program, "a", tier="gold") | {"ttl": 5})
    store.create(MEMBERSHIPS, member(program, "b", tier="gold"))
    clock.advance(5)

    where = [Where(TIER, "=", "gold")]
    assert store.count(MEMBERSHIPS, program, where=where) == 1
    assert ids(store.iterate(MEMBERSHIPS, program, where=where)) == ["b"]
