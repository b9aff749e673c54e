"""What the Azure AI Search adapter does beyond the contract: the requests it sends the service
(here the session's stand-in), and how it answers the service's refusals."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ResourceNotFoundError

from mosaic.adapters.azure.search import AzureSearchIndex, IndexingFailed, query_text
from mosaic.adapters.azure.search_schema import FIELDS, to_document, to_summary
from tests.contract.test_search_index import summary
from tests.search_standin import Recorded, SearchStandIn
from tests.servers import Servers


@pytest.fixture
def standin(servers: Servers) -> SearchStandIn:
    return servers.search()


@pytest.fixture
def index_name() -> str:
    return f"adapter-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def index(standin: SearchStandIn, index_name: str) -> Iterator[AzureSearchIndex]:
    adapter = AzureSearchIndex(standin.endpoint, AzureKeyCredential(standin.key), index_name)
    yield adapter
    adapter.close()


def sent(standin: SearchStandIn, index_name: str, ending: str = "") -> list[Recorded]:
    prefix = f"/indexes('{index_name}')"
    return [r for r in standin.requests if r.path.startswith(prefix) and r.path.endswith(ending)]


def test_every_summary_field_has_an_index_field() -> None:
    dumped = summary("P1", "M0001", "A Name").model_dump(by_alias=True)
    summary_names = set(dumped) - {"package"} | {"package", "packageName"}

    assert summary_names <= {field.name for field in FIELDS}


def test_a_summary_survives_the_document_round_trip() -> None:
    original = summary("P1", "M0001", "A Name", tier="gold", activation_code="12345", points=7)

    assert to_summary(to_document(original)) == original


def test_upsert_sends_at_most_1000_documents_per_request(
    index: AzureSearchIndex, standin: SearchStandIn, index_name: str
) -> None:
    index.upsert([summary("P1", f"M{n:05}", f"Member {n}") for n in range(1001)])

    batches = [len(r.body["value"]) for r in sent(standin, index_name, "/docs/search.index")]
    assert batches == [1000, 1]
    assert index.search("P1", None).total == 1001


def test_refused_documents_raise_naming_the_membership(
    index: AzureSearchIndex, standin: SearchStandIn
) -> None:
    index.upsert([summary("P1", "M0001", "Written First")])
    standin.refuse_next_documents(1, 503, "The service is too busy")

    with pytest.raises(IndexingFailed, match=r"1 of 2 .*P1/M0002: 503 The service is too busy"):
        index.upsert([summary("P1", "M0002", "Refused"), summary("P1", "M0003", "Accepted")])

    listed = [item.member_name for item in index.search("P1", None).items]
    assert listed == ["Accepted", "Written First"]


def test_the_index_is_created_once_per_client_and_again_by_another(
    index: AzureSearchIndex, standin: SearchStandIn, index_name: str
) -> None:
    index.upsert([summary("P1", "M0001", "One")])
    index.search("P1", "one")
    index.delete("P1", "M0001")
    other = AzureSearchIndex(standin.endpoint, AzureKeyCredential(standin.key), index_name)
    other.search("P1", None)
    other.close()

    puts = [r for r in sent(standin, index_name) if r.method == "PUT"]
    assert len(puts) == 2


def test_a_search_is_one_request_with_count_facets_and_paging(
    index: AzureSearchIndex, standin: SearchStandIn, index_name: str
) -> None:
    index.upsert([summary("P1", f"M{n:04}", f"Member {n:02}") for n in range(30)])

    page = index.search("P1", "mem", filters={"status": "active"}, page=2, page_size=10)

    (request,) = sent(standin, index_name, "/docs/search.post.search")
    assert request.body["skip"] == 10
    assert request.body["top"] == 10
    assert request.body["searchMode"] == "all"
    assert request.body["filter"] == "program eq 'P1' and status eq 'active'"
    assert (page.total, len(page.items), page.facets["status"]) == (30, 10, {"active": 30})


@pytest.mark.parametrize(
    ("text", "query"),
    [
        (None, None),
        ("  ", None),
        ("Som", "som*"),
        ('"AND" (x) -y +z', "and* x* y* z*"),
        ("a\\b", "a* b*"),
    ],
)
def test_user_text_becomes_prefix_terms_with_no_operators(text: str | None, query: str) -> None:
    assert query_text(text) == query


def test_a_deleted_membership_that_was_never_indexed_is_no_error(index: AzureSearchIndex) -> None:
    index.delete("P1", "M9999")

    assert index.search("P1", None).total == 0


def test_an_index_missing_when_not_managed_is_the_service_answer(
    standin: SearchStandIn, index_name: str
) -> None:
    adapter = AzureSearchIndex(
        standin.endpoint, AzureKeyCredential(standin.key), index_name, manage_index=False
    )
    with pytest.raises(ResourceNotFoundError):
        adapter.search("P1", None)
    adapter.close()
