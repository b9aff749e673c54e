"""Document store port: JSON documents partitioned by program, an etag on every write."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

JsonDocument = dict[str, Any]
JsonScalar = str | int | float | bool | None

_SEGMENT = re.compile(r"[A-Za-z0-9_]+")


def field_path(dotted: str) -> tuple[str, ...]:
    """The segments of a dotted field path (`membership.cardNumber`). Adapters put paths in
    their query text, so a segment is strictly letters, digits and underscores, and the first
    does not start with `_` (system fields, which no adapter returns). Raises ValueError."""
    segments = tuple(dotted.split("."))
    if not all(_SEGMENT.fullmatch(segment) for segment in segments) or dotted.startswith("_"):
        raise ValueError(f"not a field path (letters, digits, _ between dots): {dotted!r}")
    return segments


class Container(StrEnum):
    MEMBERSHIPS = "memberships"
    PROGRAMS = "programs"
    CODES = "codes"
    SOR_REQUESTS = "sorRequests"
    REFRESH_LOG = "refreshLog"
    SYSTEM = "system"


@dataclass(frozen=True)
class StoredDocument:
    """A document as stored: its body (with `id` and `program`, no `_` system fields)."""

    body: JsonDocument
    etag: str

    @property
    def id(self) -> str:
        return str(self.body["id"])


class DocumentStoreError(Exception):
    pass


class DocumentNotFound(DocumentStoreError):
    pass


class DocumentAlreadyExists(DocumentStoreError):
    pass


class StaleDocument(DocumentStoreError):
    """A conditional write found another etag: someone wrote since the read."""


class DocumentStore(Protocol):
    """Every body carries `id` and `program` (the partition key).

    Expiry, as Cosmos DB's time to live: a body with a top-level `ttl` (a positive number of
    seconds; -1 or none: never) expires `ttl` seconds after its last write. An expired document
    is gone for every operation: read and query do not find it, create takes its place,
    replace and delete see it missing. It may stay on disk until `purge_expired`.
    """

    def read(self, container: Container, program: str, id: str) -> StoredDocument:
        """Point read; raises DocumentNotFound."""
        ...

    def create(self, container: Container, body: JsonDocument) -> StoredDocument:
        """Raises DocumentAlreadyExists when the id is taken in that program."""
        ...

    def replace(self, container: Container, body: JsonDocument, *, if_match: str) -> StoredDocument:
        """Raises StaleDocument when the stored etag is not `if_match`, DocumentNotFound."""
        ...

    def upsert(self, container: Container, body: JsonDocument) -> StoredDocument: ...

    def delete(
        self, container: Container, program: str, id: str, *, if_match: str | None = None
    ) -> None:
        """Raises DocumentNotFound, or StaleDocument when `if_match` is given and differs."""
        ...

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
        """Atomically adds `delta` to the top-level integer `field` and returns the new value.

        A missing field counts as 0. A missing document is created as
        `{id, program, **initial, field: delta}`, with `ttl` when given (`initial` must not
        name `id` or `program`). Every call is one write with a new etag; no increment is lost
        to a concurrent one. Raises ValueError when the field holds anything but an integer."""
        ...

    def purge_expired(self) -> int:
        """Removes expired documents for good; returns how many. A store whose service deletes
        them itself (Cosmos DB) does nothing and returns 0."""
        ...

    def query(
        self,
        container: Container,
        program: str,
        *,
        equals: Mapping[str, JsonScalar] | None = None,
        limit: int | None = None,
    ) -> list[StoredDocument]:
        """Documents of one program whose fields (dotted paths) equal the values, by id."""
        ...
