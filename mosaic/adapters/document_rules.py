"""What every document store adapter checks and answers the same way, so that the embedded
store and Cosmos DB stay interchangeable: a body's identity and ttl, an increment's
arguments, a query's order, and `query`/`iterate` built on the adapter's own `page`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from mosaic.ports.documents import (
    Container,
    JsonDocument,
    JsonScalar,
    OrderBy,
    Page,
    StoredDocument,
    Where,
    documents_of,
    field_path,
)

MAX_TTL = 2_147_483_647
"""Cosmos DB's largest item ttl (some 68 years)."""
# Cosmos DB refuses these in an id.
_FORBIDDEN_ID_CHARACTERS = frozenset("/\\?#")


def checked_identity(body: JsonDocument) -> tuple[str, str, int | None]:
    """The body's id, program and ttl; raises ValueError unless the id is a string without
    / \\ ? #, the program a string, and the ttl missing, null, -1 or 1 to MAX_TTL seconds."""
    id, program, ttl = body.get("id"), body.get("program"), body.get("ttl")
    if not isinstance(id, str) or not id or _FORBIDDEN_ID_CHARACTERS & set(id):
        raise ValueError(f"a document needs a string id without / \\ ? #, not {id!r}")
    if not isinstance(program, str) or not program:
        raise ValueError(f"a document needs a string program, not {program!r}")
    if ttl is not None and (
        isinstance(ttl, bool) or not isinstance(ttl, int) or ttl == 0 or ttl < -1 or ttl > MAX_TTL
    ):
        raise ValueError(
            f"ttl is a positive number of seconds (at most {MAX_TTL}) or -1 (never), not {ttl!r}"
        )
    return id, program, ttl


def check_increment(field: str, delta: int, initial: Mapping[str, JsonScalar] | None) -> None:
    """Raises ValueError unless `delta` is an integer, `field` a plain top-level field other
    than id, program and ttl, and `initial` does not name id or program."""
    if isinstance(delta, bool) or not isinstance(delta, int):
        raise ValueError(f"an increment is an integer, not {delta!r}")
    if initial and {"id", "program"} & set(initial):
        raise ValueError("initial fields must not name id or program")
    if field in ("id", "program", "ttl") or len(field_path(field)) != 1:
        raise ValueError(f"not a top-level field that can be incremented: {field!r}")


def query_order(container: Container, where: Sequence[Where], order: OrderBy | None) -> OrderBy:
    """The order a query runs in: by id unless told; an equality on the order's field
    leaves ties only, ordered by id. Raises ValueError on a field the container cannot
    order by."""
    order = order or OrderBy()
    order.check(container)
    if any(w.path == order.path and w.op == "=" for w in where):
        return OrderBy("id", order.descending)
    return order


class PagedQueries:
    """`query` and `iterate` of a document store, both through its `page`."""

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
        raise NotImplementedError

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
        where = [*where, *(Where(path, "=", value) for path, value in (equals or {}).items())]
        if limit is None:
            return list(self.iterate(container, program, where=where, order_by=order_by))
        if limit < 0:
            raise ValueError("limit must not be negative")
        if limit == 0:
            return []
        return self.page(
            container, program, where=where, order_by=order_by, page_size=limit
        ).documents

    def iterate(
        self,
        container: Container,
        program: str,
        *,
        where: Sequence[Where] = (),
        order_by: OrderBy | None = None,
        page_size: int = 100,
    ) -> Iterator[StoredDocument]:
        def page(continuation: str | None) -> Page:
            return self.page(
                container,
                program,
                where=where,
                order_by=order_by,
                page_size=page_size,
                continuation=continuation,
            )

        return documents_of(page)


def check_page_size(page_size: int) -> None:
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
