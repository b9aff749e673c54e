"""How the Cosmos DB document store lays out its containers: the partition key and indexes.

DESIGN section 9: every container is partitioned by `/program`, which puts a whole program
in one logical partition (20 GB, 10,000 RU/s). A program that outgrows it moves to the
hierarchical key (`/program`, `/id`, MultiHash), where every document is its own logical
partition and a query scoped by program still goes only to that program's partitions.
`partition_key` is the one place a partition key value is computed; the container's own
definition (`partition_key_definition`) sits next to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey
from azure.cosmos.exceptions import CosmosResourceExistsError

from mosaic.ports.documents import INDEXED_FIELDS, Container, field_path

PartitionKeyValue = str | list[str]


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
    `ORDER BY field, id` needs."""
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
    """The database, created when missing."""
    try:
        return client.create_database(name)
    except CosmosResourceExistsError:
        return client.get_database_client(name)


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
        paths = properties.get("partitionKey", {}).get("paths")
        if paths != wanted["paths"]:
            raise ValueError(
                f"container {container} is partitioned by {paths}, not by {wanted['paths']}"
            )
        current = properties.get("indexingPolicy", {})
        if _composites(current) != _composites(policy) or properties.get("defaultTtl") != -1:
            containers[container] = database.replace_container(container.value, **settings)
        else:
            containers[container] = database.get_container_client(container.value)
    return containers
