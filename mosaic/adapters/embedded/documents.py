"""Document store on one SQLite table: JSON bodies, a fresh etag on every write."""

from __future__ import annotations

import functools
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mosaic.adapters.document_rules import (
    PagedQueries,
    check_increment,
    check_page_size,
    checked_identity,
)
from mosaic.adapters.embedded.document_queries import (
    LIVE,
    Query,
    drop_undeclared_indexes,
    index_keys,
    index_statements,
    missing_indexes,
)
from mosaic.adapters.embedded.sqlite import SqliteDatabase
from mosaic.ports.documents import (
    Container,
    DocumentAlreadyExists,
    DocumentNotFound,
    JsonDocument,
    JsonScalar,
    OrderBy,
    Page,
    StaleDocument,
    StoredDocument,
    Where,
    field_path,
)

_TABLE = """CREATE TABLE IF NOT EXISTS documents (
    container TEXT NOT NULL,
    program TEXT NOT NULL,
    id TEXT NOT NULL,
    etag TEXT NOT NULL,
    updated REAL NOT NULL,
    expires REAL,
    body TEXT NOT NULL,
    keys TEXT,
    UNIQUE (container, program, id)
)"""
_SCHEMA = (
    _TABLE,
    "CREATE INDEX IF NOT EXISTS documents_expires ON documents (expires) WHERE expires IS NOT NULL",
    *index_statements(),
)
_KEY = "container = :container AND program = :program AND id = :id"
_INSERT = (
    "INSERT INTO documents (container, program, id, body, keys, etag, updated, expires) "
    "VALUES (:container, :program, :id, :body, :keys, :etag, :now, :expires) "
    "ON CONFLICT (container, program, id) DO UPDATE SET "
)
_OVERWRITE = (
    "body = excluded.body, keys = excluded.keys, etag = excluded.etag, "
    "updated = excluded.updated, expires = excluded.expires"
)


_EXPIRES_FROM_BODY = (
    "iif(json_type(body, '$.ttl') = 'integer' AND json_extract(body, '$.ttl') > 0, "
    ":now + json_extract(body, '$.ttl'), NULL)"
)
"""A live document's expiry after a write: its ttl counted from now (-1 or none: never)."""
_INCREMENT_LIVE = (
    "UPDATE documents SET body = json_set(body, :path, "
    "ifnull(json_extract(body, :path), 0) + :delta), keys = NULL, etag = :etag, updated = :now, "
    f"expires = {_EXPIRES_FROM_BODY} WHERE {_KEY} AND {LIVE} "
    "AND ifnull(json_type(body, :path), 'integer') = 'integer' "
    "RETURNING json_extract(body, :path), body"
)
"""An increment of a live document whose field is an integer or missing: one UPDATE. Its
`keys` become NULL: the indexes read the body (document_queries.key), which SQL changed."""


PURGE_BATCH = 500


class SqliteDocumentStore(PagedQueries):
    """Documents in one table of a SQLite file. A body's `ttl` sets the `expires` column; an
    expired row is invisible to every operation and removed by `purge_expired`."""

    def __init__(self, path: Path, time_source: Callable[[], float] = time.time) -> None:
        self._db = SqliteDatabase(path, _SCHEMA, migrate=_migrate)
        self._now = time_source

    def close(self) -> None:
        self._db.close()

    def read(self, container: Container, program: str, id: str) -> StoredDocument:
        key = {"container": container, "program": program, "id": id, "now": self._now()}
        with self._db.reader(snapshot=False) as connection:
            rows = connection.execute(
                f"SELECT body, etag FROM documents WHERE {_KEY} AND {LIVE}", key
            ).fetchall()
        if not rows:
            raise DocumentNotFound(f"{container}/{program}/{id}")
        return StoredDocument(body=json.loads(rows[0][0]), etag=rows[0][1])

    def create(self, container: Container, body: JsonDocument) -> StoredDocument:
        """Takes the place of an expired document of the same id, as Cosmos DB does."""
        row = self._prepare(container, body)
        with self._db.connect() as connection:
            written = connection.execute(
                f"{_INSERT} {_OVERWRITE} WHERE expires <= :now", row
            ).rowcount
        if not written:
            raise DocumentAlreadyExists(f"{container}/{row['program']}/{row['id']}")
        return _stored(row)

    def replace(self, container: Container, body: JsonDocument, *, if_match: str) -> StoredDocument:
        """One conditional UPDATE, atomic on its own. When it changes nothing, what is there
        then says why: another etag (stale) or nothing (not found); a write of another process
        between the two statements only makes the answer the newer state's."""
        row = self._prepare(container, body)
        with self._db.connect() as connection:
            changed = connection.execute(
                "UPDATE documents SET body = :body, keys = :keys, etag = :etag, updated = :now, "
                f"expires = :expires WHERE {_KEY} AND {LIVE} AND etag = :if_match",
                row | {"if_match": if_match},
            ).rowcount
            if not changed:
                _raise_missing_or_stale(connection, row)
        return _stored(row)

    def upsert(self, container: Container, body: JsonDocument) -> StoredDocument:
        row = self._prepare(container, body)
        with self._db.connect() as connection:
            connection.execute(f"{_INSERT} {_OVERWRITE}", row)
        return _stored(row)

    def delete(
        self, container: Container, program: str, id: str, *, if_match: str | None = None
    ) -> None:
        key = {"container": container, "program": program, "id": id, "now": self._now()}
        condition = f"{_KEY} AND {LIVE}"
        if if_match is not None:
            condition, key["if_match"] = f"{condition} AND etag = :if_match", if_match
        with self._db.transaction() as connection:
            if not connection.execute(f"DELETE FROM documents WHERE {condition}", key).rowcount:
                _raise_missing_or_stale(connection, key)

    def purge_expired(self) -> int:
        """In batches, so writers never wait long behind the sweep."""
        purged, now = 0, self._now()
        while True:
            with self._db.connect() as connection:
                deleted = connection.execute(
                    "DELETE FROM documents WHERE rowid IN (SELECT rowid FROM documents "
                    "WHERE expires <= ? LIMIT ?)",
                    (now, PURGE_BATCH),
                ).rowcount
            purged += deleted
            if deleted < PURGE_BATCH:
                return purged

    def increment(
        self,
        container: Container,
        program: str,
        id: str,
        field: str,
        delta: int = 1,
        *,
        initial: Mapping[str, JsonScalar] | None = None,
        ttl: int | None = None,
    ) -> int:
        """One upsert statement: SQLite's write lock makes the read-add-write atomic. An
        expired document is replaced by the created one; a live one keeps its ttl, counted
        again from this write."""
        path = _increment_path(field, delta, initial)
        counted = self._increment_live(container, program, id, path, delta)
        if counted is not None:
            return counted
        created = {"id": id, "program": program, **(initial or {}), field: delta}
        if ttl is not None:
            created["ttl"] = ttl
        row = self._prepare(container, created) | {"path": path, "delta": delta}
        with self._db.connect() as connection:
            written = connection.execute(
                f"{_INSERT} body = iif(expires <= :now, excluded.body, "
                "json_set(body, :path, ifnull(json_extract(body, :path), 0) + :delta)), "
                "keys = iif(expires <= :now, excluded.keys, NULL), "
                "etag = excluded.etag, updated = excluded.updated, expires = iif("
                f"expires <= :now, excluded.expires, {_EXPIRES_FROM_BODY}) "
                "WHERE expires <= :now OR ifnull(json_type(body, :path), 'integer') = 'integer' "
                "RETURNING json_extract(body, :path)",
                row,
            ).fetchall()
        if not written:
            raise ValueError(f"{container}/{program}/{id}: {field} does not hold an integer")
        return int(written[0][0])

    def increment_each(
        self,
        container: Container,
        keys: Sequence[tuple[str, str]],
        field: str,
        delta: int = 1,
        *,
        initial: Mapping[str, JsonScalar] | None = None,
        ttl: int | None = None,
    ) -> list[JsonDocument]:
        """Live documents in one transaction (one commit, however many keys); any other key
        through `increment`, then read."""
        path = _increment_path(field, delta, initial)
        if len(set(keys)) != len(keys):
            raise ValueError("a key may be incremented once per call")
        row = {"container": container, "now": self._now(), "path": path, "delta": delta}
        written = []
        with self._db.transaction() as connection:
            for program, id in keys:
                written += [
                    (program, id, body)
                    for _, body in connection.execute(
                        _INCREMENT_LIVE,
                        row | {"program": program, "id": id, "etag": uuid.uuid4().hex},
                    )
                ]
        bodies = {(program, id): json.loads(body) for program, id, body in written}
        for program, id in keys:
            if (program, id) not in bodies:
                value = self.increment(
                    container, program, id, field, delta, initial=initial, ttl=ttl
                )
                # Its own increment's answer, and the rest as read after it.
                bodies[(program, id)] = self.read(container, program, id).body | {field: value}
        return [bodies[key] for key in keys]

    def _increment_live(
        self, container: Container, program: str, id: str, path: str, delta: int
    ) -> int | None:
        """The common case in one UPDATE: a live document whose field is an integer (or
        missing). None when the document must be created (or the field is not an integer)."""
        key = {"container": container, "program": program, "id": id, "now": self._now()}
        with self._db.connect() as connection:
            row = connection.execute(
                _INCREMENT_LIVE, key | {"path": path, "delta": delta, "etag": uuid.uuid4().hex}
            ).fetchone()
        return None if row is None else int(row[0])

    def _prepare(self, container: Container, body: JsonDocument) -> dict[str, Any]:
        """The row to write: identity checked, `_` system fields dropped, expiry from `ttl`."""
        id, program, ttl = checked_identity(body)
        now = self._now()
        clean = {key: value for key, value in body.items() if not key.startswith("_")}
        return {
            "container": container,
            "program": program,
            "id": id,
            "body": json.dumps(clean, separators=(",", ":"), ensure_ascii=False),
            "keys": index_keys(clean),
            "etag": uuid.uuid4().hex,
            "now": now,
            "expires": now + ttl if ttl is not None and ttl > 0 else None,
        }

    def page(
        self,
        container: Container,
        program: str,
        *,
        where: Sequence[Where] = (),
        order_by: OrderBy | None = None,
        page_size: int = 100,
        continuation: str | None = None,
    ) -> Page:
        """Reads one row past the page, so the last page says so (no continuation)."""
        check_page_size(page_size)
        query = Query(container, program, where, order_by, self._now())
        statements, parameters = query.page(continuation), query.parameters
        rows: list[tuple[str, str, str, Any]] = []
        with self._db.reader() as connection:
            for statement in statements:
                parameters["limit"] = page_size + 1 - len(rows)
                rows += connection.execute(statement, parameters).fetchall()
                if len(rows) > page_size:
                    break
        more, rows = len(rows) > page_size, rows[:page_size]
        documents = [StoredDocument(json.loads(body), etag) for body, etag, _, _ in rows]
        return Page(documents, query.continuation(*rows[-1][2:]) if more else None)

    def count(self, container: Container, program: str, *, where: Sequence[Where] = ()) -> int:
        query = Query(container, program, where, None, self._now())
        with self._db.reader() as connection:
            return int(connection.execute(query.count(), query.parameters).fetchone()[0])


def _stored(row: Mapping[str, Any]) -> StoredDocument:
    return StoredDocument(body=json.loads(row["body"]), etag=row["etag"])


def _raise_missing_or_stale(connection: sqlite3.Connection, key: Mapping[str, Any]) -> None:
    name = f"{key['container']}/{key['program']}/{key['id']}"
    if connection.execute(f"SELECT 1 FROM documents WHERE {_KEY} AND {LIVE}", key).fetchall():
        raise StaleDocument(f"{name} was written since it was read")
    raise DocumentNotFound(name)


def _migrate(connection: sqlite3.Connection) -> None:
    """Brings a file of the first layout (WITHOUT ROWID, no `expires`) up to date in place.

    SQLite advises against WITHOUT ROWID for rows of more than a few hundred bytes, and a
    membership is kilobytes: the table is rebuilt as a rowid table, `expires` filled from
    each body's `ttl` counted from its last write.

    `keys` (the indexed fields beside each body) is filled again whenever one of the declared
    indexes is missing: the column is new, a field was newly declared (old rows' `keys` lack
    it), or a release before `keys` opened the file (it dropped these indexes, and its writes
    left `keys` behind their bodies). Two releases writing one file at once is not supported."""
    drop_undeclared_indexes(connection)
    columns = [row[1] for row in connection.execute("PRAGMA table_info(documents)")]
    if "expires" in columns:
        if "keys" not in columns:
            connection.execute("ALTER TABLE documents ADD COLUMN keys TEXT")
        if missing_indexes(connection):
            _fill_keys(connection)
    if not columns or "expires" in columns:
        return
    connection.execute("ALTER TABLE documents RENAME TO documents_before_expires")
    connection.execute(_TABLE)
    connection.execute(
        "INSERT INTO documents (container, program, id, body, etag, updated, expires) "
        "SELECT container, program, id, body, etag, updated, iif("
        "json_type(body, '$.ttl') = 'integer' AND json_extract(body, '$.ttl') > 0, "
        "updated + json_extract(body, '$.ttl'), NULL) FROM documents_before_expires"
    )
    connection.execute("DROP TABLE documents_before_expires")


def _fill_keys(connection: sqlite3.Connection) -> None:
    """Fills `keys` from every body, before the indexes are built (from `keys`, not from every
    body many times over)."""
    last = -1
    while batch := connection.execute(
        "SELECT rowid, body FROM documents WHERE rowid > ? ORDER BY rowid LIMIT ?",
        (last, PURGE_BATCH),
    ).fetchall():
        connection.executemany(
            "UPDATE documents SET keys = ? WHERE rowid = ?",
            [(index_keys(json.loads(body)), rowid) for rowid, body in batch],
        )
        last = batch[-1][0]


def _increment_path(field: str, delta: int, initial: Mapping[str, JsonScalar] | None) -> str:
    check_increment(field, delta, initial)
    return _json_path(field)


@functools.lru_cache(maxsize=4096)
def _json_path(dotted: str) -> str:
    return "$" + "".join(f'."{segment}"' for segment in field_path(dotted))
