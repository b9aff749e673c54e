"""The embedded document store's own behaviour: its file layout, migration and purge."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.ports.documents import Container, DocumentNotFound, Where

FIRST_LAYOUT = """CREATE TABLE documents (
    container TEXT NOT NULL,
    program TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    etag TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (container, program, id)
) WITHOUT ROWID"""


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def test_a_file_of_the_first_layout_is_migrated_in_place(tmp_path: Path) -> None:
    path, written = tmp_path / "documents.sqlite", time.time() - 100
    with sqlite3.connect(path) as connection:
        connection.execute(FIRST_LAYOUT)
        for id, body in [
            ("M1", {"id": "M1", "program": "SIAM", "name": "Ploy"}),
            ("L1", {"id": "L1", "program": "SIAM", "ttl": 60}),
            ("L2", {"id": "L2", "program": "SIAM", "ttl": 3600}),
        ]:
            container = "memberships" if id.startswith("M") else "refreshLog"
            connection.execute(
                "INSERT INTO documents VALUES (?, 'SIAM', ?, ?, ?, ?)",
                (container, id, json.dumps(body), f"etag-{id}", written),
            )
    connection.close()

    store = SqliteDocumentStore(path)
    try:
        member = store.read(Container.MEMBERSHIPS, "SIAM", "M1")
        assert (member.body["name"], member.etag) == ("Ploy", "etag-M1")
        with pytest.raises(DocumentNotFound):
            store.read(Container.REFRESH_LOG, "SIAM", "L1")
        assert store.read(Container.REFRESH_LOG, "SIAM", "L2").etag == "etag-L2"
        store.replace(Container.MEMBERSHIPS, member.body | {"name": "Ploy S."}, if_match="etag-M1")
    finally:
        store.close()

    (table,) = _rows(path, "SELECT sql FROM sqlite_master WHERE name = 'documents'")
    assert "WITHOUT ROWID" not in str(table[0]).upper()
    reopened = SqliteDocumentStore(path)
    try:
        assert reopened.read(Container.MEMBERSHIPS, "SIAM", "M1").body["name"] == "Ploy S."
    finally:
        reopened.close()


def test_purge_removes_expired_rows_from_the_file(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = SqliteDocumentStore(tmp_path / "documents.sqlite", lambda: now[0])
    try:
        for id, ttl in [("a", 10), ("b", 10), ("c", 20), ("d", -1)]:
            store.create(Container.REFRESH_LOG, {"id": id, "program": "P", "ttl": ttl})
        now[0] += 10

        assert store.purge_expired() == 2
        assert store.purge_expired() == 0
    finally:
        store.close()

    remaining = _rows(tmp_path / "documents.sqlite", "SELECT id FROM documents ORDER BY id")
    assert remaining == [("c",), ("d",)]


def test_indexes_of_fields_no_longer_declared_are_dropped_on_open(tmp_path: Path) -> None:
    path = tmp_path / "documents.sqlite"
    SqliteDocumentStore(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute('CREATE INDEX "docs0:memberships:old.field" ON documents (program)')
        connection.execute('CREATE INDEX "docs1:memberships:gone" ON documents (program)')
    connection.close()

    SqliteDocumentStore(path).close()

    names = {str(name) for (name,) in _rows(path, "SELECT name FROM sqlite_master")}
    assert "docs2:memberships:membership.status" in names
    assert not {"docs0:memberships:old.field", "docs1:memberships:gone"} & names


SECOND_LAYOUT = """CREATE TABLE documents (
    container TEXT NOT NULL,
    program TEXT NOT NULL,
    id TEXT NOT NULL,
    etag TEXT NOT NULL,
    updated REAL NOT NULL,
    expires REAL,
    body TEXT NOT NULL,
    UNIQUE (container, program, id)
)"""


def test_a_file_without_index_keys_gets_them_and_its_documents_are_found(
    tmp_path: Path,
) -> None:
    path = tmp_path / "documents.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute(SECOND_LAYOUT)
        for n in range(1203):  # more than one batch of the fill
            body = {"id": f"M{n}", "program": "P", "membership": {"status": "active"}}
            connection.execute(
                "INSERT INTO documents VALUES ('memberships', 'P', ?, 'e', 0, NULL, ?)",
                (f"M{n}", json.dumps(body | {"name": "x" * 100})),
            )
    connection.close()

    store = SqliteDocumentStore(path)
    found = store.count(
        Container.MEMBERSHIPS, "P", where=[Where("membership.status", "=", "active")]
    )
    store.close()

    assert found == 1203
    (keys,) = _rows(path, "SELECT DISTINCT keys FROM documents")
    assert json.loads(str(keys[0])) == {"membership": {"status": "active"}}


def test_only_the_indexed_fields_are_kept_beside_the_body(tmp_path: Path) -> None:
    path = tmp_path / "documents.sqlite"
    store = SqliteDocumentStore(path)
    body = {
        "id": "M1",
        "program": "P",
        "membership": {"status": "active", "memberName": "Ploy", "cardNumber": None},
        "loyalty": {"nextDue": "2026-01-01T00:00:00Z", "ledger": [{"points": 5}]},
    }
    store.create(Container.MEMBERSHIPS, body)
    store.close()

    ((keys,),) = _rows(path, "SELECT keys FROM documents")
    assert json.loads(str(keys)) == {
        "membership": {"status": "active", "cardNumber": None},
        "loyalty": {"nextDue": "2026-01-01T00:00:00Z"},
    }


def test_a_document_incremented_in_sql_is_still_found_by_its_indexed_fields(
    tmp_path: Path,
) -> None:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite")
    store.create(Container.SYSTEM, {"id": "c1", "program": "P", "kind": "counter", "n": 0})
    store.increment(Container.SYSTEM, "P", "c1", "n", 2)
    store.replace(
        Container.SYSTEM,
        store.read(Container.SYSTEM, "P", "c1").body | {"kind": "tally"},
        if_match=store.read(Container.SYSTEM, "P", "c1").etag,
    )
    store.increment(Container.SYSTEM, "P", "c1", "n", 1)

    by_kind = [
        d.body for d in store.query(Container.SYSTEM, "P", where=[Where("kind", "=", "tally")])
    ]
    store.close()

    assert by_kind == [{"id": "c1", "program": "P", "kind": "tally", "n": 3}]


def test_purge_takes_every_expired_document_in_several_batches(tmp_path: Path) -> None:
    from mosaic.adapters.embedded.documents import PURGE_BATCH

    clock = [1_000_000.0]
    store = SqliteDocumentStore(tmp_path / "documents.sqlite", time_source=lambda: clock[0])
    expired = PURGE_BATCH * 2 + 7
    for n in range(expired):
        store.create(Container.SYSTEM, {"id": f"c{n}", "program": "P", "ttl": 60})
    store.create(Container.SYSTEM, {"id": "kept", "program": "P"})
    clock[0] += 61

    assert store.purge_expired() == expired
    assert [d.id for d in store.query(Container.SYSTEM, "P")] == ["kept"]
    store.close()


def test_a_file_an_older_release_wrote_has_its_index_keys_filled_again(tmp_path: Path) -> None:
    """A release before `keys` drops these indexes and rewrites bodies without `keys`: the
    next open finds an index missing and fills every row's `keys` from its body again."""
    path = tmp_path / "documents.sqlite"
    store = SqliteDocumentStore(path)
    store.create(
        Container.MEMBERSHIPS, {"id": "m1", "program": "P", "membership": {"status": "active"}}
    )
    store.close()
    with sqlite3.connect(path) as connection:
        connection.execute('DROP INDEX "docs2:memberships:membership.status"')
        body = {"id": "m1", "program": "P", "membership": {"status": "cancelled"}}
        connection.execute("UPDATE documents SET body = ? WHERE id = 'm1'", (json.dumps(body),))
    connection.close()

    reopened = SqliteDocumentStore(path)
    active = reopened.count(
        Container.MEMBERSHIPS, "P", where=[Where("membership.status", "=", "active")]
    )
    cancelled = reopened.query(
        Container.MEMBERSHIPS, "P", where=[Where("membership.status", "=", "cancelled")]
    )
    reopened.close()

    assert active == 0
    assert [d.id for d in cancelled] == ["m1"]


def test_a_newly_declared_field_is_found_in_documents_written_before(tmp_path: Path) -> None:
    """Rows written before a field was declared have `keys` without it; its index is new, so
    the open fills `keys` again."""
    path = tmp_path / "documents.sqlite"
    store = SqliteDocumentStore(path)
    store.create(Container.MEMBERSHIPS, {"id": "m1", "program": "P", "meta": {"mode": "full"}})
    store.close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE documents SET keys = '{}'")  # as if meta.mode was not declared
        connection.execute('DROP INDEX "docs2:memberships:meta.mode"')
    connection.close()

    reopened = SqliteDocumentStore(path)
    found = reopened.count(Container.MEMBERSHIPS, "P", where=[Where("meta.mode", "=", "full")])
    reopened.close()

    assert found == 1
