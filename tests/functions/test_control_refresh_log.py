"""GET /api/control/refresh-log, and the control routes in the OpenAPI document."""

import itertools
from datetime import timedelta

import pytest

from mosaic.ports.documents import Container
from tests.factories import NOW
from tests.functions.conftest import assert_problem

LOG = "/api/control/refresh-log"
_ids = itertools.count()


def _entry(app_backends, n: int, *, program="SIAM", key="SIAM-0000001", outcome="refreshed"):
    started = NOW - timedelta(minutes=n)
    body = {
        "id": f"log-{next(_ids):03d}",
        "program": program,
        "kind": "membership",
        "key": key,
        "reason": "manual",
        "started": started.isoformat(),
        "finished": (started + timedelta(milliseconds=40)).isoformat(),
        "durationMs": 40.5,
        "outcome": outcome,
    }
    app_backends.documents.create(Container.REFRESH_LOG, body)
    return body


def _get(client, admin, **params):
    response = client.get(LOG, params=params, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def _problem(client, admin, status, **params):
    return assert_problem(client.get(LOG, params=params, headers=admin), status)


def test_the_log_is_newest_first(client, app_backends, admin):
    for n in (5, 1, 3):
        _entry(app_backends, n)
    _entry(app_backends, 0, program="OTHER", key="OTHER-1")
    answer = _get(client, admin, program="SIAM")
    assert [item["started"][11:16] for item in answer["items"]] == ["09:29", "09:27", "09:25"]
    assert answer["continuation"] is None
    assert answer["items"][0] == {
        "program": "SIAM",
        "key": "SIAM-0000001",
        "kind": "membership",
        "reason": "manual",
        "started": "2026-11-21T09:29:00Z",
        "finished": "2026-11-21T09:29:00.040000Z",
        "durationMs": 40.5,
        "outcome": "refreshed",
        "codeConflicts": None,
        "codesReleased": None,
        "error": None,
    }


def test_a_real_refresh_is_in_the_log(client, app_backends, admin):
    url = "/api/control/memberships/SIAM/12345/refresh"
    assert client.post(url, headers=admin).status_code == 200
    [item] = _get(client, admin, program="SIAM")["items"]
    assert (item["key"], item["reason"], item["outcome"]) == ("SIAM-0000001", "manual", "refreshed")
    assert item["codesReleased"] is None


def test_filters_by_key_outcome_and_since(client, app_backends, admin):
    _entry(app_backends, 1, key="SIAM-0000002")
    _entry(app_backends, 2, outcome="removed")
    _entry(app_backends, 3)
    _entry(app_backends, 30)
    assert len(_get(client, admin, program="SIAM", key="SIAM-0000001")["items"]) == 3
    [removed] = _get(client, admin, program="SIAM", outcome="removed")["items"]
    assert removed["started"].startswith("2026-11-21T09:28")
    since = (NOW - timedelta(minutes=3)).isoformat()
    recent = _get(client, admin, program="SIAM", since=since, key="SIAM-0000001")["items"]
    assert [item["outcome"] for item in recent] == ["removed", "refreshed"]
    bangkok = "2026-11-21T16:28:00+07:00"  # = 09:28 UTC
    assert len(_get(client, admin, program="SIAM", since=bangkok)["items"]) == 2


def test_an_unencoded_plus_in_since_is_understood(client, app_backends, admin):
    _entry(app_backends, 1)
    query = "program=SIAM&since=2026-11-21T16:00:00+07:00"
    response = client.get(f"{LOG}?{query}", headers=admin)
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 1


def test_paging_through_every_page_yields_every_entry_once(client, app_backends, admin):
    for n in range(23):
        _entry(app_backends, n % 7, key=f"SIAM-{n:07d}")  # ties on `started` too
    seen, keys, continuation, pages = [], [], None, 0
    while True:
        params = {"program": "SIAM", "pageSize": "5"}
        if continuation:
            params["continuation"] = continuation
        answer = _get(client, admin, **params)
        assert len(answer["items"]) <= 5
        seen += [item["started"] for item in answer["items"]]
        keys += [item["key"] for item in answer["items"]]
        pages += 1
        if (continuation := answer["continuation"]) is None:
            break
    assert sorted(keys) == [f"SIAM-{n:07d}" for n in range(23)]
    assert pages >= 5
    assert seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "program"),
        ({"program": "si am"}, "program"),
        ({"program": "SIAM", "since": "yesterday"}, "since"),
        ({"program": "SIAM", "since": "2026-11-21T09:00:00"}, "since"),
        ({"program": "SIAM", "pageSize": "0"}, "pageSize"),
        ({"program": "SIAM", "pageSize": "201"}, "pageSize"),
        ({"program": "SIAM", "pageSize": "many"}, "pageSize"),
        ({"program": "SIAM", "continuation": "not-a-token"}, "continuation"),
        ({"program": "SIAM", "continuation": "W10"}, "continuation"),
        ({"program": "SIAM", "continuation": "\u00e9\u00e9"}, "continuation"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, app_backends, admin, params, field):
    problem = _problem(client, admin, 400, **params)
    assert [e["field"] for e in problem["errors"]] == [field]


def test_a_token_of_another_query_is_a_400(client, app_backends, admin):
    for n in range(3):
        _entry(app_backends, n)
    token = _get(client, admin, program="SIAM", pageSize="1")["continuation"]
    assert token
    _problem(client, admin, 400, program="SIAM", outcome="removed", continuation=token)


@pytest.mark.parametrize("headers", [{}, {"X-Admin-Key": "wrong"}])
def test_without_the_admin_key_the_log_is_closed(client, headers):
    response = client.get(LOG, params={"program": "SIAM"}, headers=headers)
    assert response.status_code == 401


def test_openapi_lists_the_control_routes_with_admin_security(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    refresh = paths["/api/control/memberships/{program}/{activationCode}/refresh"]["post"]
    log = paths["/api/control/refresh-log"]["get"]
    for operation in (refresh, log):
        assert operation["security"] == [{"admin": []}]
        assert "401" in operation["responses"]
    assert "400" in log["responses"]
    assert "404" in refresh["responses"]
