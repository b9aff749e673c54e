"""The embedded store's queries on declared fields are served by their expression indexes:
SQLite's own EXPLAIN QUERY PLAN of the statements the adapter runs, on a file it made."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from mosaic.adapters.embedded.document_queries import Query
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.ports.documents import Container, OrderBy, Where

MEMBERSHIPS = Container.MEMBERSHIPS
STATUS_INDEX = "docs2:memberships:membership.status"
EXPIRY_INDEX = "docs2:memberships:loyalty.nextDue"


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite")
    for n in range(50):
        body = {"id": f"M{n:03d}", "program": "SIAM", "membership": {"status": "active"}}
        store.create(MEMBERSHIPS, body | {"loyalty": {"nextExpiry": f"2024-{n % 12 + 1:02d}"}})
    store.close()
    with sqlite3.connect(tmp_path / "documents.sqlite") as connection:
        yield connection
    connection.close()


def plans(connection: sqlite3.Connection, query: Query, continuation: str | None) -> list[str]:
    parameters = query.parameters
    statements = query.page(continuation)
    return [
        " / ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", parameters))
        for sql in statements
    ]


def one_index_search(plan: str, index: str) -> bool:
    """One search of `index` past its first column, rows in index order (no sort)."""
    return plan.startswith(f"SEARCH documents USING INDEX {index} (program=? AND ") and (
        "TEMP B-TREE" not in plan and " / " not in plan
    )


def test_an_equality_on_a_declared_field_pages_by_the_index(
    connection: sqlite3.Connection,
) -> None:
    """The 100,000-member figure's query: 80,000 active members, the first page of them."""
    query = Query(MEMBERSHIPS, "SIAM", [Where("membership.status", "=", "active")], None, 0.0)
    query.parameters["limit"] = 101
    (first,) = plans(connection, query, None)
    token = query.continuation("M010", "active")
    (next_page,) = plans(connection, query, token)

    assert one_index_search(first, STATUS_INDEX)
    assert one_index_search(next_page, STATUS_INDEX)
    assert "id>?" in next_page


def test_a_range_on_a_declared_field_pages_in_index_order(connection: sqlite3.Connection) -> None:
    where = [Where("loyalty.nextDue", "<=", "2024-06")]
    for descending in (False, True):
        query = Query(MEMBERSHIPS, "SIAM", where, OrderBy("loyalty.nextDue", descending), 0)
        query.parameters["limit"] = 101
        first = plans(connection, query, None)
        later = plans(connection, query, query.continuation("M010", "2024-03"))

        assert len(later) == 2  # the last key's ties, then the keys beyond it
        for plan in [*first, *later]:
            assert one_index_search(plan, EXPIRY_INDEX), plan


def test_a_count_on_a_declared_field_searches_its_index(connection: sqlite3.Connection) -> None:
    for where in (
        [Where("membership.status", "=", "active")],
        [Where("loyalty.nextDue", ">", "2024-06")],
    ):
        query = Query(MEMBERSHIPS, "SIAM", where, None, 0.0)
        (plan,) = connection.execute(f"EXPLAIN QUERY PLAN {query.count()}", query.parameters)

        assert plan[3].startswith("SEARCH documents USING INDEX docs2:memberships:")


def test_a_field_that_is_not_declared_is_scanned(connection: sqlite3.Connection) -> None:
    query = Query(MEMBERSHIPS, "SIAM", [Where("membership.email", "=", "a@b.c")], None, 0.0)
    (plan,) = connection.execute(f"EXPLAIN QUERY PLAN {query.count()}", query.parameters)

    assert "docs2:" not in plan[3]
