"""Reading a request's body and query string (mosaic.functions.http), without a host."""

from typing import Annotated, Literal

import azure.functions as func
import pytest
from pydantic import Field

from mosaic.domain.base import RequestModel
from mosaic.functions.http import parse_body, parse_query
from mosaic.functions.problems import (
    MAX_BODY_BYTES,
    MAX_DEPTH,
    BodyTooLarge,
    InvalidRequest,
    field_problems,
    json_body,
)


class UnreadBody(func.HttpRequest):
    """A request whose body must not be read."""

    def get_body(self) -> bytes:
        raise AssertionError("the body was read")


def _post(body: bytes, headers: dict[str, str] | None = None) -> func.HttpRequest:
    return func.HttpRequest(method="POST", url="http://h/api/x", headers=headers, body=body)


def _get(**params: str) -> func.HttpRequest:
    return func.HttpRequest(method="GET", url="http://h/api/x", body=b"", params=params)


def _problems(error: pytest.ExceptionInfo[InvalidRequest]) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in field_problems(error.value.error)]


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read():
    headers = {"content-length": str(MAX_BODY_BYTES + 1)}
    request = UnreadBody(method="POST", url="http://h/api/x", headers=headers, body=b"{}")
    with pytest.raises(BodyTooLarge):
        json_body(request)


def test_a_body_at_the_limit_is_read():
    body = b'{"a": "' + b"x" * (MAX_BODY_BYTES - 9) + b'"}'
    assert len(body) == MAX_BODY_BYTES
    assert json_body(_post(body, {"content-length": str(len(body))}))["a"].startswith("x")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json;charset=UTF-8",
        'application/json; charset="utf-8"',
        "application/json; charset=utf8",
        "application/problem+json",
        "application/merge-patch+json; charset=utf-8",
        "",
    ],
)
def test_json_media_types_are_read(content_type):
    assert json_body(_post(b'{"a": 1}', {"content-type": content_type})) == {"a": 1}


@pytest.mark.parametrize(
    ("content_type", "rule"),
    [
        ("text/plain", "must be application/json"),
        ("text/json", "must be application/json"),
        ("application/jsonp", "must be application/json"),
        ("multipart/form-data; boundary=x", "must be application/json"),
        ("application/json; charset=latin-1", "charset must be utf-8"),
        ("application/json; charset=", "charset must be utf-8"),
    ],
)
def test_other_media_types_are_a_400_naming_the_header(content_type, rule):
    with pytest.raises(InvalidRequest) as error:
        json_body(_post(b'{"a": 1}', {"content-type": content_type}))
    assert _problems(error) == [("Content-Type", rule)]


def test_many_brackets_side_by_side_are_not_nesting():
    body = b'{"a": [' + b",".join([b"[[]]"] * 5000) + b"]}"
    assert len(json_body(_post(body))["a"]) == 5000


def test_nesting_counts_arrays_and_objects_together():
    half = MAX_DEPTH // 2
    within = '{"a":[' * half + "]}" * half
    assert json_body(_post(within.encode())) is not None
    with pytest.raises(InvalidRequest) as error:
        json_body(_post(("[" + within + "]").encode()))
    assert _problems(error) == [("body", "is nested too deeply")]


class Listing(RequestModel):
    kind: Literal["app", "site"] = Field(description="which content")
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


def test_the_query_string_is_read_by_its_camel_case_names():
    listing = parse_query(_get(kind="site", pageSize="5", unknown="x"), Listing)
    assert (listing.kind, listing.page_size) == ("site", 5)
    assert parse_query(_get(kind="app"), Listing).page_size == 20


def test_a_bad_query_parameter_is_a_400_naming_it():
    with pytest.raises(InvalidRequest) as error:
        parse_query(_get(pageSize="0"), Listing)
    assert [field for field, _ in _problems(error)] == ["kind", "pageSize"]


def test_a_body_is_read_by_the_same_rules():
    assert parse_body(_post(b'{"kind": "app", "pageSize": 3}'), Listing).page_size == 3
    with pytest.raises(InvalidRequest) as error:
        parse_body(_post(b'{"kind": "tv"}'), Listing)
    assert [field for field, _ in _problems(error)] == ["kind"]
