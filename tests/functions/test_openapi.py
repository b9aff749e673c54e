"""GET /api/openapi.json: every operation documented with what it takes and answers."""

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import azure.functions as func
import pytest
from pydantic import Field

import function_app  # noqa: F401  (declares every operation)
from mosaic.domain.base import RequestModel, ResponseModel
from mosaic.functions.http import OPERATIONS, Operation, json_response, operation
from mosaic.functions.openapi import openapi_document

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value.get("$ref"), str):
            yield value["$ref"]
        for inner in value.values():
            yield from _refs(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _refs(inner)


def _documented(document: dict[str, Any]) -> Iterator[tuple[Operation, dict[str, Any]]]:
    for op in OPERATIONS:
        path = "/api/" + re.sub(r"{(\w+)[^}]*}", r"{\1}", op.route)
        yield op, document["paths"][path][op.method.lower()]


def test_the_served_document_is_the_built_one(client):
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/json")
    assert served.json() == openapi_document()


def test_every_reference_resolves():
    document = openapi_document()
    schemas = document["components"]["schemas"]
    refs = set(_refs(document["paths"])) | set(_refs(schemas))
    assert refs
    assert {ref.removeprefix("#/components/schemas/") for ref in refs} <= set(schemas)


def test_every_operation_documents_its_bodies_and_problems():
    document = openapi_document()
    for op, item in _documented(document):
        responses = item["responses"]
        success = responses[str(op.status)]
        if op.response is not None:
            assert "$ref" in success["content"]["application/json"]["schema"], op.name
        for status in op.errors:
            problem = responses[str(status)]["content"]["application/problem+json"]
            assert problem["schema"] == PROBLEM_REF, (op.name, status)
        if op.request is not None:
            body = item["requestBody"]["content"]["application/json"]["schema"]
            assert "$ref" in body, op.name
            assert "413" in responses, op.name
        else:
            assert "requestBody" not in item, op.name


def test_every_operation_reading_a_body_or_query_declares_a_400():
    missing = [op.name for op in OPERATIONS if (op.request or op.query) and 400 not in op.errors]
    assert missing == []


def test_the_refresh_log_documents_its_query_parameters():
    log = openapi_document()["paths"]["/api/control/refresh-log"]["get"]
    parameters = {p["name"]: p for p in log["parameters"]}
    assert set(parameters) == {"program", "key", "outcome", "since", "continuation", "pageSize"}
    assert all(p["in"] == "query" for p in parameters.values())
    assert parameters["program"]["required"] is True
    assert parameters["program"]["schema"]["pattern"] == "^[A-Z0-9]{2,16}$"
    assert parameters["since"]["required"] is False
    assert parameters["since"]["schema"]["format"] == "date-time"
    assert "offset" in parameters["since"]["description"]
    assert parameters["pageSize"]["schema"]["maximum"] == 200


class Shelf(RequestModel):
    kind: Literal["app", "site"] = Field(description="which content")
    limit: Annotated[int, Field(ge=1)] | None = None


class Book(ResponseModel):
    title: str


@pytest.fixture
def declared() -> Iterator[dict[str, Any]]:
    """A GET declared with a query, headers and a 304 beside its 200 (and a 201 for the
    sake of it); taken out of OPERATIONS again afterwards."""
    before = len(OPERATIONS)

    @operation(
        func.Blueprint(),
        name="sample_book",
        method="GET",
        route="samples/books/{id}",
        summary="A sample",
        query=Shelf,
        response=Book,
        headers=(
            ("If-None-Match", "the etag of the copy the caller holds", False),
            ("Idempotency-Key", "one per intended change", True),
        ),
        extra_statuses=(201, 304),
        errors=(400, 404),
    )
    def sample(req: func.HttpRequest) -> func.HttpResponse:
        return json_response(Book(title="x"))

    try:
        yield openapi_document()["paths"]["/api/samples/books/{id}"]["get"]
    finally:
        del OPERATIONS[before:]


def test_query_path_and_header_parameters_are_documented(declared):
    parameters = {(p["in"], p["name"]): p for p in declared["parameters"]}
    assert list(parameters) == [
        ("path", "id"),
        ("query", "kind"),
        ("query", "limit"),
        ("header", "If-None-Match"),
        ("header", "Idempotency-Key"),
    ]
    kind = parameters[("query", "kind")]
    assert (kind["required"], kind["description"]) == (True, "which content")
    assert kind["schema"]["enum"] == ["app", "site"]
    limit = parameters[("query", "limit")]
    assert limit["required"] is False
    assert limit["schema"] == {"title": "Limit", "type": "integer", "minimum": 1}
    assert parameters[("header", "Idempotency-Key")]["required"] is True
    assert parameters[("header", "If-None-Match")]["required"] is False


def test_extra_success_statuses_are_documented_with_or_without_a_body(declared):
    responses = declared["responses"]
    book = {"application/json": {"schema": {"$ref": "#/components/schemas/Book"}}}
    assert responses["200"]["content"] == book
    assert responses["201"]["content"] == book
    assert responses["304"] == {"description": "Not Modified"}
    assert "413" not in responses  # no body taken, none too large
