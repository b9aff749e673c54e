"""The SQL of the embedded document store's queries: typed keys, indexes, keyset pages.

A field's value is read by one SQL expression, `key(path)`, the same text in the indexes and
in the queries, so that SQLite's planner matches them. An indexed field is read from the row's
`keys` column, a small JSON object of the indexed fields only (`index_keys`), not from the
body: SQLite 3.40 parses the JSON text again for every expression of every index, so a
write of a 4 KB membership parsed its body 44 times (about 0.4 ms) before it had `keys`. A
row whose `keys` is NULL (written before the column, or by an increment) is read from its
body, which gives the same values. It keeps JSON types apart, which
`json_extract` alone does not (true is 1 there): numbers and strings stay SQLite numbers and
text; true, false, null, arrays and objects become one-byte blobs; a missing field is NULL.
SQLite orders NULL < numbers < text < blobs, which gives every field one total order.

Paths become SQL text, never parameters (a bound path cannot use an index); `field_path`
allows only letters, digits and underscores in them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from mosaic.adapters.document_rules import query_order
from mosaic.ports.documents import (
    INDEXED_FIELDS,
    Container,
    JsonScalar,
    OrderBy,
    Where,
    field_path,
)

# Cosmos DB's order of the other types: null < false < true, then arrays and objects.
_MARKERS = {"null": "x'01'", "false": "x'02'", "true": "x'03'", "array": "x'04'", "object": "x'05'"}
_BLOBS: dict[JsonScalar, bytes] = {None: b"\x01", False: b"\x02", True: b"\x03"}
_INDEX_PREFIX = "docs2:"  # a new key expression takes a new prefix: older indexes are dropped
_FIRST_TEXT, _FIRST_BLOB = "''", "x''"  # the least text and the least blob
LIVE = "(expires IS NULL OR expires > :now)"


KEYED_PATHS = frozenset(path for paths in INDEXED_FIELDS.values() for path in paths)
"""Every container's indexed fields: `keys` holds all of them, whatever the container, so a
query by any of them in any container finds the same values in `keys` as in the body."""
_SPLIT_PATHS = tuple(field_path(path) for path in sorted(KEYED_PATHS))


def key(path: str) -> str:
    """The SQL expression of a field's value, typed as described above."""
    if path == "id":
        return "id"
    json_path = "'$" + "".join(f'."{segment}"' for segment in field_path(path)) + "'"
    source = "ifnull(keys, body)" if path in KEYED_PATHS else "body"
    cases = " ".join(f"WHEN '{kind}' THEN {blob}" for kind, blob in _MARKERS.items())
    return (
        f"CASE json_type({source}, {json_path}) {cases} "
        f"ELSE json_extract({source}, {json_path}) END"
    )


def index_keys(body: dict[str, Any]) -> str:
    """The `keys` column of a body: its values of KEYED_PATHS, nested as in the body."""
    keys: dict[str, Any] = {}
    for segments in _SPLIT_PATHS:
        value: Any = body
        for segment in segments:
            if not isinstance(value, dict) or segment not in value:
                break
            value = value[segment]
        else:
            target = keys
            for segment in segments[:-1]:
                target = target.setdefault(segment, {})
            target[segments[-1]] = value
    return json.dumps(keys, separators=(",", ":"), ensure_ascii=False)


def index_name(container: Container, path: str) -> str:
    return f"{_INDEX_PREFIX}{container}:{path}"


def index_statements() -> list[str]:
    """One partial index per declared field: (program, key, id, expires) of its container."""
    return [
        f'CREATE INDEX IF NOT EXISTS "{index_name(container, path)}" '
        f"ON documents (program, {key(path)}, id, expires) WHERE container = '{container}'"
        for container, paths in INDEXED_FIELDS.items()
        for path in paths
    ]


def missing_indexes(connection: sqlite3.Connection) -> set[str]:
    """The declared field indexes the file does not have (yet)."""
    present = {
        str(name)
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    declared = {
        index_name(container, path) for container, paths in INDEXED_FIELDS.items() for path in paths
    }
    return declared - present


def drop_undeclared_indexes(connection: sqlite3.Connection) -> None:
    """Drops the field indexes of fields no longer declared, or of an older key expression."""
    wanted = {
        index_name(container, path) for container, paths in INDEXED_FIELDS.items() for path in paths
    }
    for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'docs%:%'"
    ).fetchall():
        if name not in wanted:
            connection.execute(f'DROP INDEX "{name.replace(chr(34), chr(34) * 2)}"')


def conditions(where: Sequence[Where], parameters: dict[str, Any], prefix: str) -> list[str]:
    """SQL conditions for `where`, their values added to `parameters` (:<prefix>0, ...)."""
    sql = []
    for number, condition in enumerate(where):
        name, value, field = f":{prefix}{number}", condition.value, key(condition.path)
        if field == "id" and not isinstance(value, str):
            sql.append("0")  # an id is a string: no number, boolean or null equals one
            continue
        parameters[name[1:]] = _BLOBS[value] if value is None or isinstance(value, bool) else value
        sql.append(f"{field} {condition.op} {name}")
        if condition.op in ("<", "<=") and isinstance(value, str):
            sql.append(f"{field} >= {_FIRST_TEXT}")  # not the numbers below the strings
        elif condition.op in (">", ">=") and isinstance(value, str):
            sql.append(f"{field} < {_FIRST_BLOB}")  # nor the other types above them
        elif condition.op in (">", ">="):
            sql.append(f"{field} < {_FIRST_TEXT}")  # a number: not the strings above them
    return sql


class Query:
    """The SQL of one query: its COUNT, and the SELECTs of a page from a position on.

    A page starts after the last (key, id) returned (keyset, never an offset). It is read in
    segments that each follow one index range: the rest of the last key's ties, ordered by id
    alone, then the keys beyond it; NULL (a missing field) compares with nothing and needs a
    segment of its own. An equality on the order's field leaves ties only: order by id."""

    def __init__(
        self,
        container: Container,
        program: str,
        where: Sequence[Where],
        order: OrderBy | None,
        now: float,
    ) -> None:
        order = query_order(container, where, order)
        self.key, self._descending = key(order.path), order.descending
        self._index = index_name(container, order.path)
        query = [container, program, [[w.path, w.op, w.value] for w in where], order.path]
        self._fingerprint = hashlib.sha256(
            json.dumps([*query, order.descending]).encode()
        ).hexdigest()[:16]
        if not container.isidentifier():
            raise ValueError(f"not a container: {container!r}")
        self.parameters: dict[str, Any] = {"program": program, "now": now}
        # The container is SQL text, so that the planner can use its partial indexes.
        scope = [f"container = '{container}'", "program = :program", LIVE]
        on_key = [w for w in where if w.path == order.path]
        others = conditions([w for w in where if w.path != order.path], self.parameters, "w")
        self._where = " AND ".join(scope + others)
        self._on_key = " AND ".join(["1", *conditions(on_key, self.parameters, "k")])

    def count(self) -> str:
        return f"SELECT COUNT(*) FROM documents WHERE {self._where} AND {self._on_key}"

    def page(self, continuation: str | None) -> list[str]:
        """The SELECTs (body, etag, id, key; at most :limit rows) to run in turn from the
        position of `continuation` on; the position's values go to `parameters`."""
        statements = []
        for condition, order, ties in self._segments(continuation):
            table = "documents"
            if ties:
                # The rest of one key's ties, by id. SQLite's planner would take the (program,
                # id) index and filter, or a range of the key: it is told the key's own index,
                # and not given the conditions on the key, which all ties of a key that met
                # them meet.
                table = f'documents INDEXED BY "{self._index}"'
            else:
                condition = f"{condition} AND {self._on_key}"
            statements.append(
                f"SELECT body, etag, id, {self.key} FROM {table} WHERE {self._where} AND "
                f"{condition} ORDER BY {order} LIMIT :limit"
            )
        return statements

    def _segments(self, continuation: str | None) -> list[tuple[str, str, bool]]:
        """(condition, order, whether it is the rest of the last key's ties)."""
        down = " DESC" if self._descending else ""
        by_id = f"id{down}"
        if self.key == "id":
            if continuation is None:
                return [("1", by_id, False)]
            _, self.parameters["last_id"] = self._decode(continuation)
            return [(f"id {'<' if self._descending else '>'} :last_id", by_id, False)]
        by_key, key = f"{self.key}{down}, id{down}", self.key
        if continuation is None:
            return [("1", by_key, False)]
        last_key, self.parameters["last_id"] = self._decode(continuation)
        after = "<" if self._descending else ">"
        if last_key is None:  # a missing field: first ascending, last descending
            ties = (f"{key} IS NULL AND id {after} :last_id", by_id, True)
            return [ties] if self._descending else [ties, (f"{key} NOTNULL", by_key, False)]
        self.parameters["last_key"] = last_key
        segments = [
            (f"{key} = :last_key AND id {after} :last_id", by_id, True),
            (f"{key} {after} :last_key", by_key, False),
        ]
        if self._descending and self._on_key == "1":  # conditions on the key exclude NULL
            segments.append((f"{key} IS NULL", by_id, False))
        return segments

    def continuation(self, last_id: str, last_key: Any) -> str:
        blob = isinstance(last_key, bytes)
        value = last_key.hex() if blob else last_key
        text = json.dumps([self._fingerprint, last_id, blob, value], separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def _decode(self, continuation: str) -> tuple[Any, str]:
        try:
            padded = continuation + "=" * (-len(continuation) % 4)
            fingerprint, last_id, blob, value = json.loads(base64.urlsafe_b64decode(padded))
            if fingerprint != self._fingerprint or not isinstance(last_id, str):
                raise ValueError
            if not isinstance(value, str | int | float | None) or isinstance(value, bool):
                raise ValueError
            return (bytes.fromhex(str(value)) if blob else value), last_id
        except (ValueError, TypeError, binascii.Error) as error:
            raise ValueError("not a continuation token of this query") from error
