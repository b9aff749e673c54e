"""The Azure AI Search stand-in refuses what the service refuses and answers the subset it
serves as the service does: the adapter's tests are only as good as these checks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError
from azure.search.documents import SearchClient
from azure.search.documents.indexes import SearchIndexClient
from azure.search.documents.indexes.models import SearchField, SearchIndex

from tests.search_standin import SearchStandIn
from tests.servers import Servers

VERSION = {"api-version": "2026-04-01"}
FIELDS = [
    SearchField(name="id", type="Edm.String", key=True, filterable=True, sortable=True),
    SearchField(
        name="name", type="Edm.String", searchable=True, sortable=False, analyzer_name="whitespace"
    ),
    SearchField(name="city", type="Edm.String", searchable=False, filterable=True),
    SearchField(
        name="note", type="Edm.String", searchable=False, filterable=False, facetable=False
    ),
    SearchField(name="stars", type="Edm.Int32", searchable=False),
]
PEOPLE: list[dict[str, Any]] = [
    {"id": "1", "name": "ann lee", "city": "Bangkok", "note": "a", "stars": 5},
    {"id": "2", "name": "anna kim", "city": "Chiang Mai", "note": "b", "stars": 3},
    {"id": "3", "name": "bob lee", "city": "O'Hare", "note": "c", "stars": None},
    {"id": "4", "name": "lee ann", "city": None, "note": "d", "stars": 4},
]


@pytest.fixture
def standin(servers: Servers) -> SearchStandIn:
    return servers.search()


@pytest.fixture
def index_name(standin: SearchStandIn) -> Iterator[str]:
    name = f"standin-{uuid.uuid4().hex[:12]}"
    with SearchIndexClient(standin.endpoint, AzureKeyCredential(standin.key)) as indexes:
        indexes.create_or_update_index(SearchIndex(name=name, fields=FIELDS))
        yield name
        indexes.delete_index(name)


@pytest.fixture
def client(standin: SearchStandIn, index_name: str) -> Iterator[SearchClient]:
    with SearchClient(standin.endpoint, index_name, AzureKeyCredential(standin.key)) as found:
        found.upload_documents(PEOPLE)
        yield found


@pytest.fixture
def http(standin: SearchStandIn) -> Iterator[httpx.Client]:
    headers = {"api-key": standin.key, "Accept": "application/json;odata.metadata=none"}
    with httpx.Client(base_url=standin.endpoint, headers=headers) as found:
        yield found


def post(http: httpx.Client, path: str, body: Any, **options: Any) -> httpx.Response:
    options.setdefault("params", VERSION)
    return http.post(path, json=body, **options)


def ids(client: SearchClient, text: str | None = None, **options: Any) -> list[str]:
    return [document["id"] for document in client.search(text, order_by=["id"], **options)]


@pytest.mark.parametrize(
    ("params", "headers", "status"),
    [
        ({}, {}, 400),
        ({"api-version": "2019-01-01"}, {}, 400),
        ({**VERSION, "$top": "1"}, {}, 400),
        (VERSION, {"api-key": "wrong"}, 403),
        (VERSION, {"Accept": "text/html"}, 406),
        (VERSION, {"Content-Type": "text/plain"}, 415),
    ],
)
def test_malformed_requests_are_refused(
    http: httpx.Client, index_name: str, params: Any, headers: Any, status: int
) -> None:
    path = f"/indexes('{index_name}')/docs/search.post.search"

    answer = post(http, path, {"search": "*"}, params=params, headers=headers)

    assert answer.status_code == status, answer.text
    assert set(answer.json()["error"]) >= {"code", "message"}


def test_a_request_without_a_key_is_unauthorized(standin: SearchStandIn, index_name: str) -> None:
    answer = httpx.get(f"{standin.endpoint}/indexes('{index_name}')/docs/$count", params=VERSION)

    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"search": "*", "serch": "x"}, "'serch' in the request payload is not a valid parameter"),
        ({"filter": "note eq 'a'"}, "The field 'note' is not filterable"),
        ({"filter": "town eq 'a'"}, "Could not find a property named 'town'"),
        ({"filter": "city eq 'a"}, "Invalid expression"),
        ({"orderby": "name"}, "The field 'name' is not sortable"),
        ({"facets": ["note"]}, "The field 'note' is not facetable"),
        ({"searchFields": "city"}, "The field 'city' is not searchable"),
        ({"skip": 100_001}, "Invalid value for 'skip'"),
        ({"search": "ann | bob"}, "does not implement"),
        ({"highlight": "name"}, "does not implement"),
    ],
)
def test_a_search_the_service_would_refuse_is_a_400(
    http: httpx.Client, client: SearchClient, index_name: str, body: Any, message: str
) -> None:
    answer = post(http, f"/indexes('{index_name}')/docs/search.post.search", body)

    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]


def test_the_sdk_sees_a_refused_filter_as_an_http_error(client: SearchClient) -> None:
    with pytest.raises(HttpResponseError, match="not filterable") as raised:
        list(client.search("*", filter="note eq 'a'"))

    assert raised.value.status_code == 400


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ([{"id": "9", "town": "x"}], "The property 'town' does not exist"),
        ([{"id": "9", "stars": "five"}], "Cannot convert the value of 'stars'"),
        ([{"name": "no key"}], "Document key cannot be missing"),
        ([{"id": str(n)} for n in range(1001)], "at most 1000 actions"),
    ],
)
def test_a_batch_the_service_would_refuse_is_a_400(
    http: httpx.Client, index_name: str, batch: list[dict[str, Any]], message: str
) -> None:
    body = {"value": [{"@search.action": "upload", **document} for document in batch]}

    answer = post(http, f"/indexes('{index_name}')/docs/search.index", body)

    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]


def test_a_refused_document_is_answered_on_its_own(client: SearchClient) -> None:
    results = client.upload_documents([{"id": "a/b"}, {"id": "ok"}])
    merged = client.merge_documents([{"id": "missing", "name": "x"}])

    assert [(r.key, r.succeeded, r.status_code) for r in results] == [
        ("a/b", False, 400),
        ("ok", True, 201),
    ]
    assert "Keys can only contain letters, digits" in (results[0].error_message or "")
    assert (merged[0].succeeded, merged[0].status_code) == (False, 404)
    assert client.get_document_count() == 5


def test_an_existing_field_cannot_change_but_fields_can_be_added(
    standin: SearchStandIn, index_name: str
) -> None:
    changed = [*FIELDS[:3], SearchField(name="note", type="Edm.String", filterable=True), FIELDS[4]]
    added = [*FIELDS, SearchField(name="extra", type="Edm.String")]
    with SearchIndexClient(standin.endpoint, AzureKeyCredential(standin.key)) as indexes:
        with pytest.raises(HttpResponseError, match="Existing field 'note' cannot be changed"):
            indexes.create_or_update_index(SearchIndex(name=index_name, fields=changed))
        extra = indexes.create_or_update_index(SearchIndex(name=index_name, fields=added))

    # Attributes left out default to true, as the service defaults them.
    assert {"name": "extra", "searchable": True, "filterable": True, "sortable": True}.items() <= (
        next(field for field in extra.as_dict()["fields"] if field["name"] == "extra").items()
    )


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ("city eq 'Bangkok'", ["1"]),
        ("city eq 'O''Hare'", ["3"]),
        ("city eq null", ["4"]),
        ("city ne 'Bangkok'", ["2", "3", "4"]),
        ("city eq 'Bangkok' or (stars ge 4 and not (city eq 'Bangkok'))", ["1", "4"]),
        ("search.in(city, 'Bangkok,Chiang Mai', ',')", ["1", "2"]),
        ("search.in(id, '2 3')", ["2", "3"]),
        ("stars lt 4", ["2"]),
    ],
)
def test_filters_are_evaluated(client: SearchClient, filter_: str, expected: list[str]) -> None:
    assert ids(client, filter=filter_) == expected


@pytest.mark.parametrize(
    ("text", "mode", "expected"),
    [
        ("ann", "any", ["1", "4"]),
        ("ann*", "any", ["1", "2", "4"]),
        ("ann* kim", "any", ["1", "2", "4"]),
        ("ann* kim", "all", ["2"]),
        ("le* ann", "all", ["1", "4"]),
        ("\\*", "any", []),
        ("*", "all", ["1", "2", "3", "4"]),
    ],
)
def test_simple_query_terms_and_prefixes_match_tokens(
    client: SearchClient, text: str, mode: str, expected: list[str]
) -> None:
    assert ids(client, text, search_mode=mode) == expected


def test_facets_count_every_match_but_no_nulls(client: SearchClient) -> None:
    results = client.search("*", facets=["city,count:2"], include_total_count=True, top=1)

    assert results.get_count() == 4
    assert results.get_facets() == {
        "city": [{"value": "Bangkok", "count": 1}, {"value": "Chiang Mai", "count": 1}]
    }


def test_results_are_ordered_paged_and_projected(client: SearchClient) -> None:
    results = list(client.search("*", order_by=["stars desc", "id"], skip=1, top=2, select=["id"]))

    assert [{k: v for k, v in r.items() if not k.startswith("@")} for r in results] == [
        {"id": "4"},
        {"id": "2"},
    ]


def test_without_top_the_sdk_follows_the_next_page(client: SearchClient) -> None:
    client.upload_documents([{"id": f"x{n:03}", "name": "extra"} for n in range(60)])

    assert len(ids(client, "extra")) == 60


def test_one_document_and_the_count_are_served(client: SearchClient) -> None:
    assert client.get_document("3")["city"] == "O'Hare"
    assert client.get_document_count() == 4
