"""A document body as a Cosmos DB item, and back; when an item has expired.

Expiry is Cosmos DB's time to live: an item with a positive `ttl` expires `ttl` seconds after
its last write, and the service hides it from every operation from then on. The store keeps
in every item the instant of its last write by the store's own clock (`mosaic:written`) and
its lifetime (`mosaic:ttl`: the `ttl`, or NEVER), and hides an item once `written + ttl` has
passed: in Python for point operations (`expired`), in the SQL of its queries (`LIVE`). That
is what Cosmos DB does with `_ts`; it makes a stand-in that stores but does not enforce TTL
(the npm Cosmos DB server) behave the same, and a test's clock count. An item without these
two fields was not written by this store, and is invisible to it.

Cosmos DB refuses `"ttl": null` in an item (an item's ttl is -1 or a positive whole number up
to 2,147,483,647), which the port allows as "never": such a body is stored without `ttl` and
with a marker, and read back as it was written.
"""

from __future__ import annotations

import math
from typing import Any

from azure.cosmos import ContainerProxy
from azure.cosmos.exceptions import CosmosHttpResponseError, CosmosResourceNotFoundError

from mosaic.adapters.azure.cosmos_layout import PartitionKeyValue
from mosaic.adapters.document_rules import checked_identity
from mosaic.ports.documents import JsonDocument, StoredDocument

WRITTEN = "mosaic:written"
"""The store's clock at the item's last write, seconds since the epoch."""
LIFETIME = "mosaic:ttl"
"""The item's `ttl` when it has a positive one, else NEVER."""
NULL_TTL = "mosaic:nullTtl"
"""The body's `ttl` was null."""
NEVER = 1e15  # seconds: some 31 million years
_HIDDEN = frozenset((WRITTEN, LIFETIME, NULL_TTL))


def live(now: str = "@now") -> str:
    """SQL: the item has not expired at `now`, a parameter's name or a number's text. One
    comparison: the npm Cosmos DB server's parser takes tens of milliseconds over every
    parenthesised function call, where this costs it none."""
    return f'c["{WRITTEN}"] + c["{LIFETIME}"] > {now}'


LIVE = live()
EXPIRED = f'c["{WRITTEN}"] + c["{LIFETIME}"] <= @now'
"""SQL: the item has expired at `@now`."""


def item_of(body: JsonDocument, now: float) -> dict[str, Any]:
    """The item to write: identity and ttl checked, `_` system fields dropped, the write's
    instant and the lifetime added. Raises ValueError."""
    _, _, ttl = checked_identity(body)
    item = {key: value for key, value in body.items() if not _hidden(key)}
    if "ttl" in item and ttl is None:
        del item["ttl"]
        item[NULL_TTL] = True
    item[WRITTEN] = written(now)
    item[LIFETIME] = ttl if ttl is not None and ttl > 0 else NEVER
    return item


def body_of(item: dict[str, Any]) -> JsonDocument:
    """The body as written: no system fields (`_rid`, `_ts`, `_etag`...), no marker."""
    body = {key: value for key, value in item.items() if not _hidden(key)}
    if item.get(NULL_TTL) is True:
        body["ttl"] = None
    return body


def stored(item: dict[str, Any]) -> StoredDocument:
    return StoredDocument(body=body_of(item), etag=str(item["_etag"]))


def expired(item: dict[str, Any], now: float) -> bool:
    """Whether the item is gone at `now`: `LIVE` does not hold (in Python)."""
    at, lifetime = item.get(WRITTEN), item.get(LIFETIME)
    if isinstance(at, int | float) and isinstance(lifetime, int | float):
        return bool(at + lifetime <= now)
    return True


def written(now: float) -> float:
    """The clock's instant as stored, and as a number that may be put into SQL text."""
    instant = float(now)
    if not math.isfinite(instant):
        raise ValueError(f"not an instant: {now!r}")
    return instant


def _hidden(key: str) -> bool:
    return key.startswith("_") or key in _HIDDEN


def read_item(proxy: ContainerProxy, id: str, key: PartitionKeyValue) -> dict[str, Any] | None:
    """The item as stored (expired or not), None when there is none."""
    try:
        return dict(proxy.read_item(id, partition_key=key))
    except CosmosResourceNotFoundError:
        return None
    except CosmosHttpResponseError as error:
        if stand_in_missing_item(error):
            return None
        raise


def stand_in_missing_item(error: CosmosHttpResponseError) -> bool:
    """Cosmos DB answers a point read of a missing item with 404. The npm Cosmos DB server
    answers 500: its read handler looks at the missing item's partition key field and fails
    with this TypeError. Only that answer counts as "missing"; any other 500 is an error."""
    message = str(error.message or "")
    return error.status_code == 500 and "Cannot read properties of undefined" in message
