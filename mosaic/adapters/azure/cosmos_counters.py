"""Atomic counters on Cosmos DB: `increment` as one patch, the document created on first use.

The common case is one patch of two operations: `incr` the field, `set` the write's instant.
Its filter predicate lets it apply only to a live item whose field is a whole number (a
whole float such as 3.0 too: Cosmos DB's SQL does not tell it from 3);
Cosmos DB applies a patch atomically, so no increment is lost to a concurrent one, and the
patch answers the item as it made it. When the patch finds no item, the counter is created
(a concurrent creator wins with 409: patch again). When its predicate fails, a read decides:
an expired item is replaced by a fresh counter, a field that is not an integer is a
ValueError (nothing written), and a live item whose field is missing is patched on the etag
read (an etag race: count again).

Cosmos DB's patch condition takes no parameters: the one value in its SQL is the store's own
clock, a finite float (`written`), never a caller's value; the field is a checked path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from azure.core import MatchConditions
from azure.cosmos import ContainerProxy
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

from mosaic.adapters.azure.cosmos_items import WRITTEN, body_of, expired, item_of, live, written
from mosaic.adapters.azure.cosmos_layout import PartitionKeyValue
from mosaic.adapters.azure.cosmos_queries import sql_path
from mosaic.adapters.document_rules import check_increment
from mosaic.ports.documents import JsonDocument, JsonScalar, StaleDocument

_ATTEMPTS = 10
_IF_MATCH: dict[str, Any] = {"match_condition": MatchConditions.IfNotModified}


@dataclass(frozen=True)
class Counter:
    """`delta` added to the top-level integer `field`; a missing document is created as
    `{id, program, **initial, field: delta}` (with `ttl` when given). Raises ValueError on a
    field, delta or initial the port refuses."""

    field: str
    delta: int
    initial: Mapping[str, JsonScalar] | None
    ttl: int | None

    def __post_init__(self) -> None:
        check_increment(self.field, self.delta, self.initial)

    def apply(
        self,
        proxy: ContainerProxy,
        program: str,
        id: str,
        *,
        key: PartitionKeyValue,
        read: Callable[[], dict[str, Any] | None],
        now: Callable[[], float],
    ) -> JsonDocument:
        """The document's body after this increment."""
        for _ in range(_ATTEMPTS):
            at = now()
            try:
                patched = proxy.patch_item(
                    id, key, self._operations(at), filter_predicate=self._condition(at)
                )
                return body_of(patched)
            except CosmosResourceNotFoundError:
                made = self._create(proxy, program, id, at)
            except CosmosAccessConditionFailedError:
                made = self._decide(proxy, program, id, key, read(), at)
            if made is not None:
                return made
        raise StaleDocument(f"{program}/{id}: rewritten on every attempt to count {self.field}")

    def _operations(self, at: float) -> list[dict[str, Any]]:
        return [
            {"op": "incr", "path": f"/{self.field}", "value": self.delta},
            {"op": "set", "path": f"/{WRITTEN}", "value": written(at)},
        ]

    def _condition(self, at: float) -> str:
        """Live at `at`, and the field a whole number: two comparisons, which the npm Cosmos
        DB server parses fast. (It lowercases the whole predicate and checks it against
        every item of that id in the container, of any program: there a field with
        capitals is taken as missing, and counted through `_decide`.)"""
        f = sql_path(self.field)
        return f"FROM c WHERE {live(repr(written(at)))} AND FLOOR({f}) = {f}"

    def _created(self, program: str, id: str, at: float) -> dict[str, Any]:
        body: JsonDocument = {"id": id, "program": program, **(self.initial or {})}
        body[self.field] = self.delta
        if self.ttl is not None:
            body["ttl"] = self.ttl
        return item_of(body, at)

    def _create(
        self, proxy: ContainerProxy, program: str, id: str, at: float
    ) -> JsonDocument | None:
        try:
            return body_of(proxy.create_item(self._created(program, id, at)))
        except CosmosResourceExistsError:
            return None  # created meanwhile: count on it

    def _decide(
        self,
        proxy: ContainerProxy,
        program: str,
        id: str,
        key: PartitionKeyValue,
        there: dict[str, Any] | None,
        at: float,
    ) -> JsonDocument | None:
        """After the predicate failed: a fresh counter in place of an expired item, or the
        increment of a live one whose field is missing, on the etag read; None when the
        item changed meanwhile (count again)."""
        if there is None:
            return None
        value, gone = there.get(self.field, 0), expired(there, at)
        if not gone and (isinstance(value, bool) or not isinstance(value, int)):
            raise self._not_an_integer(program, id)
        try:
            if gone:
                made = proxy.replace_item(
                    id, self._created(program, id, at), etag=there["_etag"], **_IF_MATCH
                )
            else:
                made = proxy.patch_item(
                    id, key, self._operations(at), etag=there["_etag"], **_IF_MATCH
                )
        except (CosmosResourceNotFoundError, CosmosAccessConditionFailedError):
            return None
        return body_of(made)

    def _not_an_integer(self, program: str, id: str) -> ValueError:
        return ValueError(f"{program}/{id}: {self.field} does not hold an integer")
