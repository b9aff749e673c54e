"""Document store port: JSON documents partitioned by program, an etag on every write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

JsonDocument = dict[str, Any]
JsonScalar = str | int | float | bool | None


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
    """Every body carries `id` and `program` (the partition key)."""

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
