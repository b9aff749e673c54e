"""DESIGN section 5's HTTP rules: nothing a client sends may cause a 500."""

import json

from mosaic.domain.membership import SCHEMA_VERSION
from mosaic.ports.documents import Container
from tests.functions.conftest import assert_problem

LOGIN = "/api/mobile/login"


def test_json_nested_too_deep_is_a_400(client):
    problem = assert_problem(client.post(LOGIN, content=b"[" * 60000), 400)
    assert problem["errors"] == [{"field": "body", "rule": "is nested too deeply"}]
    nested = '{"program":"SIAM","activationCode":"12345","device":' + "[" * 30000 + "]" * 30000
    assert_problem(client.post(LOGIN, content=(nested + "}").encode()), 400)


def test_a_body_that_is_not_utf8_is_a_400(client):
    body = json.dumps({"program": "SIAM", "activationCode": "12345"}).encode("utf-16")
    problem = assert_problem(client.post(LOGIN, content=body), 400)
    assert "UTF-8" in problem["detail"]


def test_a_body_over_64_kib_is_a_413(client):
    body = {"program": "SIAM", "activationCode": "12345", "padding": "x" * 70_000}
    assert_problem(client.post(LOGIN, json=body), 413)


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
