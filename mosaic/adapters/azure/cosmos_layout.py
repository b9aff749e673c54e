"""How the Cosmos DB document store lays out its containers: the partition key and indexes.

DESIGN section 9: every container is partitioned by `/program`, which puts a whole program
in one logical partition (20 GB, 10,000 RU/s). A program that outgrows it moves to the
hierarchical key (`/program`, `/id`, MultiHash), where every document is its own logical
partition and a query scoped by program still goes only to that program's partitions.
`partition_key` is the one place a partition key value is computed; the container's own
definition (`partition_key_definition`) sits next to it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey
from azure.cosmos.exceptions import (
    CosmosHttpResponseError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

from mosaic.ports.documents import INDEXED_FIELDS, Container, field_path

PartitionKeyValue = str | list[str]
log = logging.getLogger("mosaic.cosmos")
_DEPLOY = (
    "this identity may not create it (Entra ID with data-plane rights only): deploy "
    "infra/main.bicep, which makes the database and containers"
)


class MetadataWriteRefused(RuntimeError):
    """A database or container is missing and the identity may not create it."""


class CosmosLayout(StrEnum):
    PROGRAM = "program"
    """One logical partition per program: `/program`."""
    HIERARCHICAL = "hierarchical"
    """`/program`, then `/id` (MultiHash): a program spans as many partitions as it needs."""


def partition_key(layout: CosmosLayout, program: str, id: str) -> PartitionKeyValue:
    """The partition key value of the document (program, id): the only place one is made."""
    if layout is CosmosLayout.HIERARCHICAL:
        return [program, id]
    return program


def partition_key_definition(layout: CosmosLayout) -> PartitionKey:
    if layout is CosmosLayout.HIERARCHICAL:
        return PartitionKey(path=["/program", "/id"], kind="MultiHash")
    return PartitionKey(path="/program")


def query_scope(layout: CosmosLayout, program: str) -> dict[str, Any]:
    """The options that scope a query to one program; its SQL names the program too
    (`c.program = @program`). With the program as the whole key the query goes to that one
    partition. With the hierarchical key, the program is a prefix of the key: the query is a
    cross-partition one, which Cosmos DB routes by its filter on the key's first level to
    the program's partitions only (the stand-in refuses a prefix `partition_key`)."""
    if layout is CosmosLayout.HIERARCHICAL:
        return {"enable_cross_partition_query": True}
    return {"partition_key": program}


def _path(dotted: str) -> str:
    return "/" + "/".join(field_path(dotted))


def indexing_policy(container: Container) -> dict[str, Any]:
    """Every path indexed (filters on any field), and for each of the container's
    INDEXED_FIELDS the composite indexes (field, id) ascending and descending that
    `ORDER BY field, id` needs (Cosmos DB can serve the reversed order from one, the local
    server cannot). The deployment template (infra/modules/cosmos.bicep) declares the same
    policy, so a deployed container is never rewritten."""
    composites = [
        [{"path": _path(field), "order": order}, {"path": "/id", "order": order}]
        for field in INDEXED_FIELDS.get(container, ())
        for order in ("ascending", "descending")
    ]
    return {
        "indexingMode": "consistent",
        "automatic": True,
        "includedPaths": [{"path": "/*"}],
        "excludedPaths": [{"path": '/"_etag"/?'}],
        "compositeIndexes": composites,
    }


def _composites(policy: Mapping[str, Any]) -> list[list[tuple[str, str]]]:
    composite: Sequence[Sequence[Mapping[str, str]]] = policy.get("compositeIndexes") or []
    return [
        [(index["path"], index.get("order", "ascending")) for index in pair] for pair in composite
    ]


def open_database(client: CosmosClient, name: str) -> DatabaseProxy:
    """The database, created only when missing: with Entra ID and data-plane rights only
    (what the deployment grants) a create is refused, and the template made it anyway."""
    database = client.get_database_client(name)
    try:
        database.read()
        return database
    except CosmosResourceNotFoundError:
        pass
    except CosmosHttpResponseError as error:
        if error.status_code != 500:  # the local stand-in answers 500 for a missing database
            raise
    try:
        return client.create_database(name)
    except CosmosResourceExistsError:
        return database
    except CosmosHttpResponseError as error:
        if error.status_code == 403:
            raise MetadataWriteRefused(f"database {name} is missing: {_DEPLOY}") from error
        raise


def open_containers(
    database: DatabaseProxy, layout: CosmosLayout
) -> dict[Container, ContainerProxy]:
    """Every container of the port, created when missing with the layout's partition key,
    TTL on (`default_ttl=-1`: an item expires only by its own `ttl`) and the indexing
    policy; an existing container whose composite indexes or TTL differ is updated in
    place. One listing finds what exists. Raises ValueError when an existing container has
    another partition key, which Cosmos DB cannot change: its documents must be copied to
    a new container."""
    wanted = partition_key_definition(layout)
    existing = {properties["id"]: properties for properties in database.list_containers()}
    containers = {}
    for container in Container:
        policy, properties = indexing_policy(container), existing.get(container.value)
        settings: dict[str, Any] = {
            "partition_key": wanted,
            "indexing_policy": policy,
            "default_ttl": -1,
        }
        if properties is None:
            try:
                containers[container] = database.create_container(container.value, **settings)
                continue
            except CosmosResourceExistsError:  # made by another instance meanwhile
                properties = database.get_container_client(container.value).read()
            except CosmosHttpResponseError as error:
                if error.status_code == 403:
                    raise MetadataWriteRefused(
                        f"container {container} is missing: {_DEPLOY}"
                    ) from error
                raise
        paths = properties.get("partitionKey", {}).get("paths")
        if paths != wanted["paths"]:
            raise ValueError(
                f"container {container} is partitioned by {paths}, not by {wanted['paths']}"
            )
        current = properties.get("indexingPolicy", {})
        containers[container] = database.get_container_client(container.value)
        if sorted(_composites(current)) != sorted(_composites(policy)) or (
            properties.get("defaultTtl") != -1
        ):
            _update(database, container, settings)
    return containers


def _update(database: DatabaseProxy, container: Container, settings: dict[str, Any]) -> None:
    """Bring an existing container's indexes and TTL to the code's. With data-plane rights
    only, Cosmos DB refuses (403): the deployment owns the container, so the app goes on
    with it as it is, and says so."""
    try:
        database.replace_container(container.value, **settings)
    except CosmosHttpResponseError as error:
        if error.status_code != 403:
            raise
        log.warning(
            "container %s: its indexing policy or TTL differs from the code's and this "
            "identity may not change it; redeploy the template to bring it in step",
            container,
        )
