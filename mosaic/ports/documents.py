"""Document store port: JSON documents partitioned by program, an etag on every write."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal, Protocol

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
    IDEMPOTENCY = "idempotency"


# The fields a query may order by, and that each adapter indexes (SQLite: an expression index
# per field; Cosmos DB: composite indexes (field, id) both ways, which ORDER BY field, id
# needs). A query may filter on any field; one on a field not declared here scans.
INDEXED_FIELDS: Mapping[Container, tuple[str, ...]] = MappingProxyType(
    {
        Container.MEMBERSHIPS: (
            "membership.cardNumber",
            "membership.status",
            "meta.mode",
            "loyalty.nextDue",
            "invitation.email",
            "invitation.phone",
        ),
        Container.REFRESH_LOG: ("key", "outcome", "started"),
        Container.SOR_REQUESTS: ("status", "nextAttemptAt", "createdAt", "membershipNumber"),
        Container.SYSTEM: ("kind", "job"),
        Container.CODES: ("membershipNumber", "kind"),
    }
)


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


Operator = Literal["=", "<", "<=", ">", ">="]
_OPERATORS = frozenset(("=", "<", "<=", ">", ">="))


@dataclass(frozen=True)
class Where:
    """One condition of a query, `Where("loyalty.nextDue", "<=", "2024-05-31T17:00:00Z")`; a query's
    conditions all hold. Values compare as JSON values, as in Cosmos DB: a string only with
    strings, a number only with numbers (1 equals 1.0), so "1" is not 1 and true is not 1.
    `=` takes any scalar (None matches a JSON null, never a missing field); a range takes a
    string or a number. Raises ValueError on a bad path, operator or value."""

    path: str
    op: Operator
    value: JsonScalar

    def __post_init__(self) -> None:
        field_path(self.path)
        if self.op not in _OPERATORS:
            raise ValueError(f"not an operator: {self.op!r}")
        ranged = isinstance(self.value, str | int | float) and not isinstance(self.value, bool)
        if self.op != "=" and not ranged:
            raise ValueError(f"a range compares strings or numbers, not {self.value!r}")


@dataclass(frozen=True)
class OrderBy:
    """Documents ordered by a field, then by `id` in the same direction. The field is `id` or
    one of the container's INDEXED_FIELDS. Documents without the field come first ascending,
    last descending; numbers come before strings; where other types (booleans, null, arrays,
    objects) fall is the adapter's own."""

    path: str = "id"
    descending: bool = False

    def check(self, container: Container) -> None:
        if self.path != "id" and self.path not in INDEXED_FIELDS.get(container, ()):
            raise ValueError(
                f"{container} can be ordered by id or an indexed field, not {self.path!r}"
            )


@dataclass(frozen=True)
class Page:
    """At most the page size of documents, and the token that fetches the next page: None
    when there are no more. A page may hold fewer documents than asked while more follow."""

    documents: list[StoredDocument]
    continuation: str | None


def documents_of(page: Callable[[str | None], Page]) -> Iterator[StoredDocument]:
    """Every document of the pages `page(continuation)` gives, from the first (None) on:
    the body of an adapter's `iterate`, one page in memory at a time."""
    continuation: str | None = None
    while True:
        current = page(continuation)
        yield from current.documents
        if (continuation := current.continuation) is None:
            return


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
        """`increment` on each (program, id) of `keys`, each atomic (the set is not: an
        error may leave some done), in as few round trips as the store allows; returns each
        document's body after its increment, in the order of `keys` (its `field` is exactly
        what its increment made it, as `increment` answers)."""
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
        where: Sequence[Where] = (),
        equals: Mapping[str, JsonScalar] | None = None,
        order_by: OrderBy | None = None,
        limit: int | None = None,
    ) -> list[StoredDocument]:
        """The first `limit` documents of one program that meet every condition, in order
        (by id unless told). `equals={path: value}` is short for `Where(path, "=", value)`.
        Without a limit every match is loaded: use `iterate` where there may be many."""
        ...

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
        """One page of the matches; pass its `continuation` back, with the same query, for the
        next. Paging resumes after the last document returned (keyset, never an offset), so
        documents written meanwhile neither shift the pages nor repeat a document whose sort
        field did not change. Raises ValueError on a token of another query."""
        ...

    def iterate(
        self,
        container: Container,
        program: str,
        *,
        where: Sequence[Where] = (),
        order_by: OrderBy | None = None,
        page_size: int = 100,
    ) -> Iterator[StoredDocument]:
        """Every match, in order, fetched a page at a time: a caller holds one page at most."""
        ...

    def count(self, container: Container, program: str, *, where: Sequence[Where] = ()) -> int:
        """How many documents of one program meet every condition."""
        ...
