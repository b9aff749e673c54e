"""DESIGN section 5's HTTP rules, through the local host: nothing a client sends may cause
a 500."""

import json

from mosaic.domain.membership import SCHEMA_VERSION
from mosaic.functions.problems import MAX_BODY_BYTES, MAX_DEPTH
from mosaic.ports.documents import Container
from tests.functions.conftest import assert_problem

LOGIN = "/api/mobile/login"
BODY = {"program": "SIAM", "activationCode": "12345"}
TOO_DEEP = [{"field": "body", "rule": "is nested too deeply"}]


def _with(extra: str) -> bytes:
    """The login body with one more field, written as raw JSON."""
    return ('{"program": "SIAM", "activationCode": "12345", "extra": ' + extra + "}").encode()


def test_json_nested_as_deep_as_64_kib_allows_is_a_400(client):
    for opening in ("[", '{"a":'):
        deepest = opening * (MAX_BODY_BYTES // len(opening))
        problem = assert_problem(client.post(LOGIN, content=deepest.encode()), 400)
        assert problem["errors"] == TOO_DEEP


def test_json_nested_100000_deep_is_too_large_before_it_is_too_deep(client):
    for opening in ("[", '{"a":'):
        assert_problem(client.post(LOGIN, content=(opening * 100_000).encode()), 413)


def test_nesting_is_refused_past_its_limit_and_not_before(client):
    deepest = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)  # inside the body's own object
    assert client.post(LOGIN, content=_with(deepest)).status_code == 200
    problem = assert_problem(client.post(LOGIN, content=_with("[" + deepest + "]")), 400)
    assert problem["errors"] == TOO_DEEP


def test_brackets_inside_strings_are_not_nesting(client):
    text = json.dumps('[{"\\' * 1000)  # brackets, quotes and backslashes, escaped
    assert client.post(LOGIN, content=_with(text)).status_code == 200


def test_a_body_that_is_not_sent_as_json_is_a_400_naming_the_content_type(client):
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        headers = {"content-type": content_type}
        problem = assert_problem(client.post(LOGIN, content=json.dumps(BODY), headers=headers), 400)
        assert problem["errors"] == [{"field": "Content-Type", "rule": "must be application/json"}]


def test_json_in_another_charset_is_a_400(client):
    body = json.dumps(BODY).encode("utf-16")
    headers = {"content-type": "application/json; charset=utf-16"}
    problem = assert_problem(client.post(LOGIN, content=body, headers=headers), 400)
    assert problem["errors"] == [{"field": "Content-Type", "rule": "charset must be utf-8"}]


def test_json_media_types_and_a_missing_content_type_are_accepted(client):
    accepted = ["application/json; charset=utf-8", "application/merge-patch+json", None]
    for content_type in accepted:
        headers = {"content-type": content_type} if content_type else {}
        response = client.post(LOGIN, content=json.dumps(BODY), headers=headers)
        assert response.request.headers.get("content-type") == content_type
        assert response.status_code == 200, (content_type, response.text)


def test_routes_match_in_any_case(client, admin):
    response = client.post("/API/Mobile/LOGIN", json=BODY)
    assert response.status_code == 200, response.text
    assert response.json()["membership"]["membershipNumber"] == "SIAM-0000001"
    refresh = "/Api/CONTROL/memberships/SIAM/12345/Refresh"  # a route with parameters
    response = client.post(refresh, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["membershipNumber"] == "SIAM-0000001"


HOSTILE_BODIES = [
    b"",
    b"null",
    b"[]",
    b'"SIAM"',
    b'{"program": "SIAM", "activationCode": "12345", "n": 1e999999}',
    b'{"program": "SIAM", "activationCode": "12345", "n": -Infinity}',
    b'{"program": "SIAM", "activationCode": "12345", "n": NaN}',
    b'{"program": "SIAM", "activationCode": "12345", "n": 1' + b"0" * 60_000 + b"}",
    b'{"program": null, "activationCode": []}',
    b'{"program": "SIAM", "activationCode": "\\ud800\\udc00\\ud800"}',
    b'{"program": "SIAM", "activationCode": "1234\\u0000"}',
    b'{"program": "SIAM", "activationCode": "12345", "device": {"deviceId": {}}}',
    b"\xef\xbb\xbf" + json.dumps(BODY).encode(),
    b"\xff\xfe",
    b'{"program": "SIAM"' + b", " * 30_000 + b"}",
    b"[" * 40_000 + b"]" * 20_000,
    b'{"a": "' + b"\\" * 60_000 + b'"}',
    b'{"' + "é".encode() * 30_000 + b'": 1}',
]


def test_no_body_causes_a_5xx(client):
    for content in HOSTILE_BODIES:
        response = client.post(LOGIN, content=content)
        assert response.status_code < 500, (content[:80], response.text)
        assert_problem(response, 400)


def test_numbers_json_has_not_are_refused(client):
    for number in ("NaN", "Infinity", "-Infinity", "1e400"):
        problem = assert_problem(client.post(LOGIN, content=_with(number)), 400)
        [error] = problem["errors"]
        assert error["field"] == "body"
        assert error["rule"].startswith("is not valid JSON"), error


def test_a_body_that_is_not_utf8_is_a_400(client):
    body = json.dumps({"program": "SIAM", "activationCode": "12345"}).encode("utf-16")
    problem = assert_problem(client.post(LOGIN, content=body), 400)
    assert "UTF-8" in problem["detail"]


def test_a_body_over_64_kib_is_a_413(client):
    body = {"program": "SIAM", "activationCode": "12345", "padding": "x" * 70_000}
    assert_problem(client.post(LOGIN, json=body), 413)


def test_a_20_mb_body_is_a_413(client):
    problem = assert_problem(client.post(LOGIN, content=b"[" * 20_000_000), 413)
    assert problem["title"] == "Body too large"


def test_a_chunked_body_over_64_kib_is_a_413_by_its_real_length(client):
    chunks = [b'{"program": "SIAM", "activationCode": "12345", "padding": "', *[b"x" * 8192] * 9]
    response = client.post(LOGIN, content=iter([*chunks, b'"}']))
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


def test_a_stored_document_that_does_not_validate_is_not_blamed_on_the_client(client, app_backends):
    body = {"program": "SIAM", "activationCode": "12345"}
    assert client.post(LOGIN, json=body).status_code == 200
    stored = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", "SIAM-0000001")
    newer = stored.body | {
        "meta": stored.body["meta"] | {"schemaVersion": SCHEMA_VERSION + 1},
        "membership": stored.body["membership"] | {"status": "paused"},
    }
    app_backends.documents.replace(Container.MEMBERSHIPS, newer, if_match=stored.etag)

    response = client.post(LOGIN, json=body)
    problem = assert_problem(response, 503)
    assert problem["title"] == "Service being upgraded"
    assert int(response.headers["retry-after"]) > 0
    assert "paused" not in response.text


def test_a_body_that_is_not_json_says_why(client):
    problem = assert_problem(client.post(LOGIN, content=b'{"program": "SIAM",'), 400)
    assert problem["errors"][0]["field"] == "body"
    assert problem["errors"][0]["rule"].startswith("is not valid JSON")
