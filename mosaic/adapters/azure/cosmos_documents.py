"""Document store on Cosmos DB: one container per port Container, the etag of every write is
the item's `_etag`, and a conditional write is Cosmos DB's `If-Match`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from azure.core import MatchConditions
from azure.core.credentials import TokenCredential
from azure.cosmos import CosmosClient
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

from mosaic.adapters.azure.cosmos_counters import Counter
from mosaic.adapters.azure.cosmos_items import EXPIRED, expired, item_of, read_item, stored
from mosaic.adapters.azure.cosmos_layout import (
    CosmosLayout,
    PartitionKeyValue,
    open_containers,
    open_database,
    partition_key,
    query_scope,
)
from mosaic.adapters.azure.cosmos_queries import CosmosQuery, first_items
from mosaic.adapters.document_rules import PagedQueries, check_page_size
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
)

_IF_MATCH = MatchConditions.IfNotModified
_ATTEMPTS = 5


class CosmosDocumentStore(PagedQueries):
    """Documents in the containers of one Cosmos DB database, created when missing.

    Expiry: each item keeps the instant of its last write by this store's clock, and an
    item whose `ttl` has run out is hidden from reads, queries and counts, as Cosmos DB
    hides it (see cosmos_items). Where the service expires items (`service_expires_items`,
    Cosmos DB itself) it also refuses to replace or delete them and deletes them in the
    background, so `purge_expired` has nothing to do. A stand-in that does not enforce TTL
    (the npm Cosmos DB server) needs `service_expires_items=False`: replace and delete then
    read the item first to see it expired, and `purge_expired` deletes what expired.
    """

    def __init__(
        self,
        client: CosmosClient,
        database: str,
        layout: CosmosLayout | str = CosmosLayout.PROGRAM,
        time_source: Callable[[], float] = time.time,
        *,
        service_expires_items: bool = True,
        owns_client: bool = False,
    ) -> None:
        self._client, self._owns_client = client, owns_client
        self._layout = CosmosLayout(layout)
        self._now = time_source
        self._service_expires = service_expires_items
        self._containers = open_containers(open_database(client, database), self._layout)

    def close(self) -> None:
        """Closes the client when the store made it (`open_cosmos_store`)."""
        if self._owns_client:
            self._client.close()

    def read(self, container: Container, program: str, id: str) -> StoredDocument:
        item = self._read_item(container, program, id)
        if item is None or expired(item, self._now()):
            raise DocumentNotFound(_name(container, program, id))
        return stored(item)

    def create(self, container: Container, body: JsonDocument) -> StoredDocument:
        """Takes the place of an expired item of the same id, as Cosmos DB does."""
        item = item_of(body, self._now())
        proxy = self._containers[container]
        for _ in range(_ATTEMPTS):
            try:
                return stored(proxy.create_item(item))
            except CosmosResourceExistsError:
                taken = self._take_expired(container, item)
                if taken is not None:
                    return taken
        raise DocumentAlreadyExists(_name(container, item["program"], item["id"]))

    def replace(self, container: Container, body: JsonDocument, *, if_match: str) -> StoredDocument:
        item = item_of(body, self._now())
        program, id = item["program"], item["id"]
        if not self._service_expires:
            self._check_live(container, program, id, if_match)
        try:
            replaced = self._containers[container].replace_item(
                id, item, etag=if_match, match_condition=_IF_MATCH
            )
        except CosmosResourceNotFoundError as error:
            raise DocumentNotFound(_name(container, program, id)) from error
        except CosmosAccessConditionFailedError as error:
            raise StaleDocument(_stale(container, program, id)) from error
        return stored(replaced)

    def upsert(self, container: Container, body: JsonDocument) -> StoredDocument:
        return stored(self._containers[container].upsert_item(item_of(body, self._now())))

    def delete(
        self, container: Container, program: str, id: str, *, if_match: str | None = None
    ) -> None:
        if not self._service_expires:
            self._check_live(container, program, id, if_match)
        condition: dict[str, Any] = {}
        if if_match is not None:
            condition = {"etag": if_match, "match_condition": _IF_MATCH}
        try:
            self._containers[container].delete_item(
                id, partition_key=self._key(program, id), **condition
            )
        except CosmosResourceNotFoundError as error:
            raise DocumentNotFound(_name(container, program, id)) from error
        except CosmosAccessConditionFailedError as error:
            raise StaleDocument(_stale(container, program, id)) from error

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
        """One patch (`incr`) of a live item whose field is an integer or missing, which
        Cosmos DB applies atomically; see cosmos_counters."""
        counter = Counter(field, delta, initial, ttl)
        return int(self._counted(container, counter, program, id)[field])

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
        """One patch per key, in the order of `keys`, each atomic and each answering its own
        body as it made it. Cosmos DB has no write across partition keys (a transactional
        batch holds one, and under the hierarchical layout every document is its own), so
        this is a round trip per key where the embedded store commits the increments of its
        live documents in one transaction: a reader may see some keys counted and not yet
        the others, and an error leaves the keys before it counted (as the port allows)."""
        counter = Counter(field, delta, initial, ttl)
        if len(set(keys)) != len(keys):
            raise ValueError("a key may be incremented once per call")
        return [self._counted(container, counter, program, id) for program, id in keys]

    def purge_expired(self) -> int:
        """0 where the service expires items itself; else deletes every expired item (each
        only if unchanged since the sweep found it) and answers how many."""
        if self._service_expires:
            return 0
        purged, now = 0, self._now()
        for proxy in self._containers.values():
            found = proxy.query_items(
                f"SELECT c.id, c.program, c._etag FROM c WHERE {EXPIRED}",
                parameters=[{"name": "@now", "value": now}],
                enable_cross_partition_query=True,
            )
            for item in found:
                key = self._key(item["program"], item["id"])
                try:
                    proxy.delete_item(
                        item["id"], partition_key=key, etag=item["_etag"], match_condition=_IF_MATCH
                    )
                except (CosmosResourceNotFoundError, CosmosAccessConditionFailedError):
                    continue
                purged += 1
        return purged

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
        """Reads one item past the page, so the last page says so (no continuation)."""
        check_page_size(page_size)
        query = CosmosQuery(container, program, where, order_by, self._now())
        found: list[tuple[Any, dict[str, Any]]] = []
        for statement in query.page(continuation):
            wanted = page_size + 1 - len(found)
            proxy, scope = self._containers[container], query_scope(self._layout, program)
            items = first_items(proxy, statement, scope, wanted)
            found += [(statement.segment, item) for item in items]
            if len(found) > page_size:
                break
        more, found = len(found) > page_size, found[:page_size]
        token = query.continuation(*found[-1]) if more else None
        return Page([stored(item) for _, item in found], token)

    def count(self, container: Container, program: str, *, where: Sequence[Where] = ()) -> int:
        sql, parameters = CosmosQuery(container, program, where, None, self._now()).count()
        counts = self._containers[container].query_items(
            sql, parameters=parameters, **query_scope(self._layout, program)
        )
        return sum(int(cast(Any, count)) for count in counts)

    def _counted(
        self, container: Container, counter: Counter, program: str, id: str
    ) -> JsonDocument:
        return counter.apply(
            self._containers[container],
            program,
            id,
            key=self._key(program, id),
            read=lambda: self._read_item(container, program, id),
            now=self._now,
        )

    def _key(self, program: str, id: str) -> PartitionKeyValue:
        return partition_key(self._layout, program, id)

    def _read_item(self, container: Container, program: str, id: str) -> dict[str, Any] | None:
        return read_item(self._containers[container], id, self._key(program, id))

    def _take_expired(self, container: Container, item: dict[str, Any]) -> StoredDocument | None:
        """After a create found the id taken: the created document in place of the expired
        one, None when the one there is gone (create again); raises DocumentAlreadyExists
        when it is live."""
        program, id = item["program"], item["id"]
        there = self._read_item(container, program, id)
        if there is None:
            return None
        if not expired(there, self._now()):
            raise DocumentAlreadyExists(_name(container, program, id))
        try:
            return stored(
                self._containers[container].replace_item(
                    id, item, etag=there["_etag"], match_condition=_IF_MATCH
                )
            )
        except (CosmosResourceNotFoundError, CosmosAccessConditionFailedError):
            return None

    def _check_live(self, container: Container, program: str, id: str, etag: str | None) -> None:
        """Where the service does not expire items: an expired one is missing."""
        there = self._read_item(container, program, id)
        if there is None or expired(there, self._now()):
            raise DocumentNotFound(_name(container, program, id))
        if etag is not None and there["_etag"] != etag:
            raise StaleDocument(_stale(container, program, id))


def open_cosmos_store(
    endpoint: str,
    credential: str | TokenCredential,
    database: str,
    layout: CosmosLayout | str = CosmosLayout.PROGRAM,
    *,
    time_source: Callable[[], float] = time.time,
    service_expires_items: bool = True,
    **client_options: Any,
) -> CosmosDocumentStore:
    """A store on a client of its own, closed by `close`: the settings' endpoint, the account
    key or an Entra ID credential (managed identity), the database and the layout.
    `client_options` go to CosmosClient; a local stand-in needs `connection_verify=False`
    (self-signed certificate) and `enable_endpoint_discovery=False` (one endpoint, nothing
    to fail over to), and `service_expires_items=False` where it does not enforce TTL."""
    client = CosmosClient(endpoint, credential=credential, **client_options)
    try:
        return CosmosDocumentStore(
            client,
            database,
            layout,
            time_source,
            service_expires_items=service_expires_items,
            owns_client=True,
        )
    except BaseException:
        client.close()
        raise


def _name(container: Container, program: str, id: str) -> str:
    return f"{container}/{program}/{id}"


def _stale(container: Container, program: str, id: str) -> str:
    return f"{_name(container, program, id)} was written since it was read"
