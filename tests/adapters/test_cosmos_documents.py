"""The Cosmos DB document store's own behaviour, which the contract cannot see: its partition
keys, the containers and indexes it makes, what it keeps in an item and strips from a body,
and how it covers the gaps of the npm Cosmos DB server it is tested on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from azure.cosmos import CosmosClient, DatabaseProxy, PartitionKey
from azure.cosmos.exceptions import CosmosHttpResponseError

from mosaic.adapters.azure.cosmos_documents import (
    CosmosDocumentStore,
    open_cosmos_store,
)
from mosaic.adapters.azure.cosmos_items import stand_in_missing_item
from mosaic.adapters.azure.cosmos_layout import CosmosLayout, partition_key
from mosaic.adapters.azure.cosmos_queries import CosmosQuery, Segment
from mosaic.ports.documents import INDEXED_FIELDS, Container, DocumentNotFound, OrderBy, Where
from tests.servers import COSMOS_KEY, Servers, cosmos_endpoint

STAND_IN: dict[str, Any] = {"connection_verify": False, "enable_endpoint_discovery": False}
LOG, MEMBERSHIPS = Container.REFRESH_LOG, Container.MEMBERSHIPS


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def client(servers: Servers) -> Iterator[CosmosClient]:
    with CosmosClient(cosmos_endpoint(servers.cosmos()), COSMOS_KEY, **STAND_IN) as opened:
        yield opened


@pytest.fixture
def database_name() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def clock() -> Clock:
    return Clock()


def store(
    client: CosmosClient, name: str, clock: Clock, layout: CosmosLayout = CosmosLayout.PROGRAM
) -> CosmosDocumentStore:
    return CosmosDocumentStore(client, name, layout, clock, service_expires_items=False)


def raw(client: CosmosClient, name: str, container: Container, key: Any, id: str) -> Any:
    """The item as Cosmos DB holds it, read around the store."""
    proxy = client.get_database_client(name).get_container_client(container.value)
    return proxy.read_item(id, partition_key=key)


def test_the_partition_key_is_the_program_or_the_program_then_the_id() -> None:
    assert partition_key(CosmosLayout.PROGRAM, "SIAM", "M1") == "SIAM"
    assert partition_key(CosmosLayout.HIERARCHICAL, "SIAM", "M1") == ["SIAM", "M1"]


@pytest.mark.parametrize(
    ("layout", "paths", "kind"),
    [
        (CosmosLayout.PROGRAM, ["/program"], "Hash"),
        (CosmosLayout.HIERARCHICAL, ["/program", "/id"], "MultiHash"),
    ],
)
def test_every_container_is_made_with_the_layouts_key_and_ttl_on(
    client: CosmosClient,
    database_name: str,
    clock: Clock,
    layout: CosmosLayout,
    paths: list[str],
    kind: str,
) -> None:
    documents = store(client, database_name, clock, layout)
    documents.create(MEMBERSHIPS, {"id": "M1", "program": "SIAM"})

    database = client.get_database_client(database_name)
    made = {properties["id"]: properties for properties in database.list_containers()}
    assert set(made) == {container.value for container in Container}
    for properties in made.values():
        assert properties["partitionKey"]["paths"] == paths
        assert properties["partitionKey"].get("kind", "Hash") == kind
        assert properties["defaultTtl"] == -1
    key = partition_key(layout, "SIAM", "M1")
    assert raw(client, database_name, MEMBERSHIPS, key, "M1")["program"] == "SIAM"


def test_each_indexed_field_gets_composite_indexes_with_id_both_ways(
    client: CosmosClient, database_name: str, clock: Clock
) -> None:
    store(client, database_name, clock)

    database = client.get_database_client(database_name)
    for container in Container:
        assert _pairs(database, container) == [
            [(f"/{field.replace('.', '/')}", order), ("/id", order)]
            for field in INDEXED_FIELDS.get(container, ())
            for order in ("ascending", "descending")
        ]
    assert [("/loyalty/nextDue", "descending"), ("/id", "descending")] in _pairs(
        database, MEMBERSHIPS
    )


def _pairs(database: DatabaseProxy, container: Container) -> list[list[tuple[str, str]]]:
    policy = database.get_container_client(container.value).read()["indexingPolicy"]
    return [[(i["path"], i["order"]) for i in pair] for pair in policy["compositeIndexes"]]


def test_an_existing_container_gets_the_indexes_it_lacks(
    client: CosmosClient, database_name: str, clock: Clock
) -> None:
    database = client.create_database(database_name)
    database.create_container(MEMBERSHIPS.value, partition_key=PartitionKey("/program"))

    store(client, database_name, clock)

    assert _pairs(database, MEMBERSHIPS)
    assert database.get_container_client(MEMBERSHIPS.value).read()["defaultTtl"] == -1


def test_a_container_of_another_partition_key_is_refused(
    client: CosmosClient, database_name: str, clock: Clock
) -> None:
    database = client.create_database(database_name)
    database.create_container(MEMBERSHIPS.value, partition_key=PartitionKey("/id"))

    with pytest.raises(ValueError, match="partitioned by"):
        store(client, database_name, clock)


def test_bodies_carry_no_system_properties_and_the_etag_is_the_items(
    client: CosmosClient, database_name: str, clock: Clock
) -> None:
    documents = store(client, database_name, clock)
    created = documents.create(LOG, {"id": "R1", "program": "SIAM", "ttl": None, "n": 1})

    item = raw(client, database_name, LOG, "SIAM", "R1")
    assert {"_rid", "_ts", "_self", "_etag", "mosaic:written", "mosaic:ttl"} <= set(item)
    assert "ttl" not in item  # Cosmos DB refuses a null ttl: the body's null is kept apart
    for stored in [created, documents.read(LOG, "SIAM", "R1"), *documents.query(LOG, "SIAM")]:
        assert stored.body == {"id": "R1", "program": "SIAM", "ttl": None, "n": 1}
        assert stored.etag == item["_etag"]


def test_the_stand_in_answers_500_for_a_missing_item_which_reads_as_not_found(
    client: CosmosClient, database_name: str, clock: Clock
) -> None:
    documents = store(client, database_name, clock)

    with pytest.raises(CosmosHttpResponseError) as answered:
        raw(client, database_name, MEMBERSHIPS, "SIAM", "nobody")
    assert answered.value.status_code == 500  # Cosmos DB answers 404
    assert stand_in_missing_item(answered.value)
    with pytest.raises(DocumentNotFound):
        documents.read(MEMBERSHIPS, "SIAM", "nobody")


def test_a_real_404_reads_as_not_found_and_another_500_stays_an_error(
    client: CosmosClient, database_name: str, clock: Clock
) -> None:
    documents = store(client, database_name, clock)
    client.get_database_client(database_name).delete_container(MEMBERSHIPS.value)

    with pytest.raises(DocumentNotFound):  # the stand-in's 404: no such container
        documents.read(MEMBERSHIPS, "SIAM", "M1")
    assert not stand_in_missing_item(CosmosHttpResponseError(status_code=500, message="boom"))


def test_the_stand_in_keeps_expired_items_so_the_store_hides_and_purges_them(
    client: CosmosClient, database_name: str, clock: Clock
) -> None:
    documents = store(client, database_name, clock)
    documents.create(LOG, {"id": "old", "program": "SIAM", "ttl": 10})
    documents.create(LOG, {"id": "kept", "program": "SIAM"})
    clock.now += 10

    assert raw(client, database_name, LOG, "SIAM", "old")["ttl"] == 10  # no TTL on the stand-in
    with pytest.raises(DocumentNotFound):
        documents.read(LOG, "SIAM", "old")
    assert documents.purge_expired() == 1
    assert documents.purge_expired() == 0
    with pytest.raises(CosmosHttpResponseError):
        raw(client, database_name, LOG, "SIAM", "old")


def test_where_the_service_expires_items_purging_is_its_job(
    client: CosmosClient, database_name: str, clock: Clock
) -> None:
    documents = CosmosDocumentStore(client, database_name, time_source=clock)
    documents.create(LOG, {"id": "old", "program": "SIAM", "ttl": 10})
    clock.now += 10

    assert documents.purge_expired() == 0
    with pytest.raises(DocumentNotFound):
        documents.read(LOG, "SIAM", "old")


def test_a_counter_with_capitals_counts_though_the_stand_in_lowercases_patch_conditions(
    client: CosmosClient, database_name: str, clock: Clock
) -> None:
    documents = store(client, database_name, clock, CosmosLayout.HIERARCHICAL)

    counted = [documents.increment(Container.SYSTEM, "SIAM", "c", "loginCount") for _ in range(3)]

    assert counted == [1, 2, 3]
    documents.create(Container.SYSTEM, {"id": "s", "program": "SIAM", "loginCount": "7"})
    with pytest.raises(ValueError, match="loginCount"):
        documents.increment(Container.SYSTEM, "SIAM", "s", "loginCount")


def test_values_are_parameters_never_sql_text() -> None:
    sneaky = 'x" OR 1=1 --'
    where = [Where("loyalty.tier", "=", sneaky), Where("loyalty.nextDue", ">", sneaky)]
    query = CosmosQuery(MEMBERSHIPS, sneaky, where, OrderBy("loyalty.nextDue"), 1.0)
    token = query.continuation(Segment.PRIMITIVE, {"id": sneaky, "loyalty": {"nextExpiry": sneaky}})

    statements = [(s.sql, s.parameters) for s in [*query.page(None), *query.page(token)]]
    for sql, parameters in [*statements, query.count()]:
        assert sneaky not in sql
        assert sneaky in [parameter["value"] for parameter in parameters]


def test_open_cosmos_store_makes_a_client_of_its_own_and_closes_it(
    servers: Servers, database_name: str
) -> None:
    documents = open_cosmos_store(
        cosmos_endpoint(servers.cosmos()),
        COSMOS_KEY,
        database_name,
        "hierarchical",
        service_expires_items=False,
        **STAND_IN,
    )
    try:
        documents.create(MEMBERSHIPS, {"id": "M1", "program": "SIAM"})
        assert documents.read(MEMBERSHIPS, "SIAM", "M1").body["program"] == "SIAM"
    finally:
        documents.close()


def test_a_ttl_beyond_the_largest_cosmos_db_takes_is_refused(
    client: CosmosClient, database_name: str, clock: Clock
) -> None:
    documents = store(client, database_name, clock)

    with pytest.raises(ValueError, match="ttl"):
        documents.create(LOG, {"id": "R1", "program": "SIAM", "ttl": 2_147_483_648})
    assert documents.create(LOG, {"id": "R1", "program": "SIAM", "ttl": 2_147_483_647})
