"""POST /api/mobile/login through the local host."""

import time
from concurrent.futures import ThreadPoolExecutor

from mosaic.ports.documents import Container
from tests.factories import NOW
from tests.functions.conftest import assert_problem

LOGIN = "/api/mobile/login"


def test_login_answers_a_token_and_the_membership_summary(client, app_backends):
    response = client.post(LOGIN, json={"program": "SIAM", "activationCode": "12345"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["tokenType"] == "Bearer"
    assert answer["mode"] == "full"
    assert answer["membership"]["membershipNumber"] == "SIAM-0000001"
    assert answer["membership"]["package"] == {"code": "SIAM-GOLD", "name": "Gold"}
    session = app_backends.sessions.verify(answer["token"], NOW)
    assert session.membership_number == "SIAM-0000001"


def test_login_with_a_device_registers_it(client, app_backends):
    device = {"deviceId": "and-7", "platform": "android", "osVersion": "16"}
    body = {"program": "SIAM", "activationCode": "12345", "device": device}
    assert client.post(LOGIN, json=body).status_code == 200
    stored = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", "SIAM-0000001")
    assert stored.body["devices"][0]["osVersion"] == "16"


def test_malformed_code_is_a_400_problem_naming_the_field(client):
    problem = assert_problem(
        client.post(LOGIN, json={"program": "SIAM", "activationCode": "12a4"}), 400
    )
    [error] = problem["errors"]
    assert error["field"] == "activationCode"
    assert "5 or 6" in error["rule"]


def test_every_missing_field_is_named(client):
    problem = assert_problem(client.post(LOGIN, json={}), 400)
    assert sorted(e["field"] for e in problem["errors"]) == ["activationCode", "program"]


def test_code_sent_as_a_number_is_refused_not_coerced(client):
    problem = assert_problem(
        client.post(LOGIN, json={"program": "SIAM", "activationCode": 12345}), 400
    )
    assert problem["errors"][0]["field"] == "activationCode"


def test_device_without_id_is_refused_with_its_path(client):
    body = {"program": "SIAM", "activationCode": "12345", "device": {"platform": "ios"}}
    problem = assert_problem(client.post(LOGIN, json=body), 400)
    assert problem["errors"][0]["field"] == "device.deviceId"


def test_body_that_is_not_json_is_a_400(client):
    problem = assert_problem(client.post(LOGIN, content=b"program=SIAM"), 400)
    assert problem["errors"][0]["field"] == "body"


def test_json_that_is_not_an_object_is_a_400(client):
    assert_problem(client.post(LOGIN, json=["SIAM", "12345"]), 400)


def test_unknown_code_is_a_401_problem(client):
    problem = assert_problem(
        client.post(LOGIN, json={"program": "SIAM", "activationCode": "99999"}), 401
    )
    assert problem["title"] == "Unknown activation code"


def test_repeated_failures_from_one_client_get_429_with_retry_after(client):
    for guess in ("11111", "22222", "33333"):
        client.post(LOGIN, json={"program": "SIAM", "activationCode": guess})
    response = client.post(LOGIN, json={"program": "SIAM", "activationCode": "12345"})
    assert_problem(response, 429)
    assert 0 < int(response.headers["retry-after"]) <= 900 + 60  # the window and a bucket


def test_forty_parallel_guesses_get_at_most_the_limit_of_401s_and_never_a_409(client):
    def guess(n: int) -> int:
        body = {"program": "SIAM", "activationCode": f"{50000 + n:05d}"}
        status: int = client.post(LOGIN, json=body).status_code
        return status

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(guess, range(40)))
    assert statuses.count(401) == 3  # MOSAIC_LOGIN_FAILURES_ALLOWED in conftest
    assert statuses.count(429) == 37
    assert set(statuses) == {401, 429}


def test_login_answer_is_its_own_shape_not_the_stored_document(client, app_backends):
    body = {"program": "SIAM", "activationCode": "12345"}
    assert client.post(LOGIN, json=body).status_code == 200
    stored = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", "SIAM-0000001")
    extended = stored.body | {
        "membership": stored.body["membership"] | {"internalRiskScore": 7},
        "futureSection": {"x": 1},
    }
    app_backends.documents.replace(Container.MEMBERSHIPS, extended, if_match=stored.etag)
    membership = client.post(LOGIN, json=body).json()["membership"]
    assert set(membership) == {
        "program",
        "membershipNumber",
        "mode",
        "memberName",
        "email",
        "phone",
        "cardNumber",
        "package",
        "status",
        "startsOn",
        "expiresOn",
        "tier",
        "tierImage",
        "points",
        "nextExpiry",
        "expiringSoon",
    }


def test_a_forged_forwarded_for_header_does_not_dodge_the_throttle(client):
    for n, guess in enumerate(("11111", "22222", "33333")):
        forged = {"X-Forwarded-For": f"198.51.100.{n}"}
        client.post(LOGIN, json={"program": "SIAM", "activationCode": guess}, headers=forged)
    forged = {"X-Forwarded-For": "198.51.100.99"}
    response = client.post(
        LOGIN, json={"program": "SIAM", "activationCode": "12345"}, headers=forged
    )
    assert_problem(response, 429)


def test_later_login_refresh_is_done_by_the_queue_trigger(client, app_backends):
    body = {"program": "SIAM", "activationCode": "12345"}
    assert client.post(LOGIN, json=body).status_code == 200
    assert client.post(LOGIN, json=body).status_code == 200
    deadline = time.monotonic() + 10
    reasons: list[str] = []
    while time.monotonic() < deadline:
        logged = app_backends.documents.query(Container.REFRESH_LOG, "SIAM")
        reasons = sorted(d.body["reason"] for d in logged)
        # The host deletes the message once the function has returned: wait for both.
        if len(reasons) == 2 and app_backends.queue.count("membership-refresh") == 0:
            break
        time.sleep(0.1)
    assert reasons == ["login", "login"]  # the first built on the spot, the second queued
    assert app_backends.queue.count("membership-refresh") == 0


def test_openapi_lists_login_with_its_request_and_response_schemas(client):
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    login = document["paths"]["/api/mobile/login"]["post"]
    request_ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    response_ref = login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schemas = document["components"]["schemas"]
    request = schemas[request_ref.rsplit("/", 1)[1]]
    response = schemas[response_ref.rsplit("/", 1)[1]]
    assert set(request["required"]) == {"program", "activationCode"}
    assert request["properties"]["activationCode"]["pattern"] == "^[0-9]{5,6}$"
    assert {"token", "expiresAt", "mode", "membership"} <= set(response["properties"])
    assert "401" in login["responses"]
    assert "429" in login["responses"]
