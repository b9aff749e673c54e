"""Document store on one SQLite table: JSON bodies, a fresh etag on every write."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mosaic.adapters.embedded.sqlite import SqliteDatabase
from mosaic.ports.documents import (
    Container,
    DocumentAlreadyExists,
    DocumentNotFound,
    JsonDocument,
    JsonScalar,
    StaleDocument,
    StoredDocument,
    field_path,
)

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS documents (
        container TEXT NOT NULL,
        program TEXT NOT NULL,
        id TEXT NOT NULL,
        body TEXT NOT NULL,
        etag TEXT NOT NULL,
        updated REAL NOT NULL,
        PRIMARY KEY (container, program, id)
    ) WITHOUT ROWID""",
)
# Cosmos DB refuses these in an id; refusing them here keeps the two adapters interchangeable.
_FORBIDDEN_ID_CHARACTERS = frozenset("/\\?#")
_KEY = "container = ? AND program = ? AND id = ?"


class SqliteDocumentStore:
    def __init__(self, path: Path) -> None:
        self._db = SqliteDatabase(path, _SCHEMA)

    def close(self) -> None:
        self._db.close()

    def read(self, container: Container, program: str, id: str) -> StoredDocument:
        with self._db.connect() as connection:
            row = connection.execute(
                f"SELECT body, etag FROM documents WHERE {_KEY}", (container, program, id)
            ).fetchone()
        if row is None:
            raise DocumentNotFound(f"{container}/{program}/{id}")
        return StoredDocument(body=json.loads(row[0]), etag=row[1])

    def create(self, container: Container, body: JsonDocument) -> StoredDocument:
        program, id, text = _prepare(body)
        etag = _new_etag()
        try:
            with self._db.connect() as connection:
                connection.execute(
                    "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
                    (container, program, id, text, etag, time.time()),
                )
        except sqlite3.IntegrityError as error:
            raise DocumentAlreadyExists(f"{container}/{program}/{id}") from error
        return StoredDocument(body=json.loads(text), etag=etag)

    def replace(self, container: Container, body: JsonDocument, *, if_match: str) -> StoredDocument:
        program, id, text = _prepare(body)
        etag = _new_etag()
        with self._db.transaction() as connection:
            changed = connection.execute(
                f"UPDATE documents SET body = ?, etag = ?, updated = ? WHERE {_KEY} AND etag = ?",
                (text, etag, time.time(), container, program, id, if_match),
            ).rowcount
            if not changed:
                _raise_missing_or_stale(connection, container, program, id)
        return StoredDocument(body=json.loads(text), etag=etag)

    def upsert(self, container: Container, body: JsonDocument) -> StoredDocument:
        program, id, text = _prepare(body)
        etag = _new_etag()
        with self._db.connect() as connection:
            connection.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (container, program, id) DO UPDATE SET "
                "body = excluded.body, etag = excluded.etag, updated = excluded.updated",
                (container, program, id, text, etag, time.time()),
            )
        return StoredDocument(body=json.loads(text), etag=etag)

    def delete(
        self, container: Container, program: str, id: str, *, if_match: str | None = None
    ) -> None:
        condition, parameters = _KEY, [container, program, id]
        if if_match is not None:
            condition, parameters = f"{_KEY} AND etag = ?", [*parameters, if_match]
        with self._db.transaction() as connection:
            deleted = connection.execute(
                f"DELETE FROM documents WHERE {condition}", parameters
            ).rowcount
            if not deleted:
                _raise_missing_or_stale(connection, container, program, id)

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
        """One upsert statement: SQLite's write lock makes the read-add-write atomic."""
        path = _increment_path(field, delta, initial)
        created = {"id": id, "program": program, **(initial or {}), field: delta}
        if ttl is not None:
            created["ttl"] = ttl
        program, id, text = _prepare(created)
        values: dict[str, object] = dict(
            container=container, program=program, id=id, body=text, etag=_new_etag()
        )
        values.update(now=time.time(), path=path, delta=delta)
        with self._db.connect() as connection:
            rows = connection.execute(
                "INSERT INTO documents VALUES (:container, :program, :id, :body, :etag, :now) "
                "ON CONFLICT (container, program, id) DO UPDATE SET "
                "body = json_set(body, :path, ifnull(json_extract(body, :path), 0) + :delta), "
                "etag = excluded.etag, updated = excluded.updated "
                "WHERE ifnull(json_type(body, :path), 'integer') = 'integer' "
                "RETURNING json_extract(body, :path)",
                values,
            ).fetchall()
        if not rows:
            raise ValueError(f"{container}/{program}/{id}: {field} does not hold an integer")
        return int(rows[0][0])

    def query(
        self,
        container: Container,
        program: str,
        *,
        equals: Mapping[str, JsonScalar] | None = None,
        limit: int | None = None,
    ) -> list[StoredDocument]:
        if limit is not None and limit < 0:
            raise ValueError("limit must not be negative")
        conditions, parameters = ["container = ?", "program = ?"], [container, program]
        for path, value in (equals or {}).items():
            condition, values = _equals(_json_path(path), value)
            conditions.append(condition)
            parameters.extend(values)
        sql = f"SELECT body, etag FROM documents WHERE {' AND '.join(conditions)} ORDER BY id"
        with self._db.connect() as connection:
            rows = connection.execute(
                f"{sql} LIMIT ?", [*parameters, -1 if limit is None else limit]
            )
            return [StoredDocument(body=json.loads(body), etag=etag) for body, etag in rows]


def _new_etag() -> str:
    return uuid.uuid4().hex


def _prepare(body: JsonDocument) -> tuple[str, str, str]:
    """Checks the identity fields and drops `_` system fields; returns program, id, JSON."""
    id, program = body.get("id"), body.get("program")
    if not isinstance(id, str) or not id or _FORBIDDEN_ID_CHARACTERS & set(id):
        raise ValueError(f"a document needs a string id without / \\ ? #, not {id!r}")
    if not isinstance(program, str) or not program:
        raise ValueError(f"a document needs a string program, not {program!r}")
    clean = {key: value for key, value in body.items() if not key.startswith("_")}
    return program, id, json.dumps(clean, separators=(",", ":"), ensure_ascii=False)


def _raise_missing_or_stale(
    connection: sqlite3.Connection, container: str, program: str, id: str
) -> None:
    found = connection.execute(
        f"SELECT 1 FROM documents WHERE {_KEY}", (container, program, id)
    ).fetchone()
    if found is None:
        raise DocumentNotFound(f"{container}/{program}/{id}")
    raise StaleDocument(f"{container}/{program}/{id} was written since it was read")


def _increment_path(field: str, delta: int, initial: Mapping[str, JsonScalar] | None) -> str:
    if isinstance(delta, bool) or not isinstance(delta, int):
        raise ValueError(f"an increment is an integer, not {delta!r}")
    if field in ("id", "program", "ttl") or len(field_path(field)) != 1:
        raise ValueError(f"not a top-level field that can be incremented: {field!r}")
    if initial and {"id", "program"} & set(initial):
        raise ValueError("initial fields must not name id or program")
    return _json_path(field)


def _json_path(dotted: str) -> str:
    return "$" + "".join(f'."{segment}"' for segment in field_path(dotted))


def _equals(path: str, value: JsonScalar) -> tuple[str, list[Any]]:
    """JSON equality, not SQLite's: true is not 1, "1" is not 1, null is not a missing field."""
    if value is None:
        return "json_type(body, ?) = 'null'", [path]
    if isinstance(value, bool):
        return "json_type(body, ?) = ?", [path, "true" if value else "false"]
    if isinstance(value, int | float):
        return (
            "json_type(body, ?) IN ('integer', 'real') AND json_extract(body, ?) = ?",
            [path, path, value],
        )
    return "json_type(body, ?) = 'text' AND json_extract(body, ?) = ?", [path, path, value]
