"""POST /api/control/memberships/{program}/{activationCode}/refresh through the local host."""

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.ports.documents import Container
from mosaic.ports.sor import SorUnavailable
from mosaic.settings import get_settings
from tests.functions.conftest import assert_problem

REFRESH = "/api/control/memberships/{program}/{code}/refresh"


def _post(client, admin, program="SIAM", code="12345"):
    return client.post(REFRESH.format(program=program, code=code), headers=admin)


def _log(app_backends):
    return [d.body for d in app_backends.documents.query(Container.REFRESH_LOG, "SIAM")]


def test_refresh_answers_the_summary_and_logs_a_manual_refresh(client, app_backends, admin):
    response = _post(client, admin)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["membershipNumber"] == "SIAM-0000001"
    assert answer["package"] == {"code": "SIAM-GOLD", "name": "Gold"}
    [entry] = _log(app_backends)
    assert (entry["key"], entry["reason"], entry["outcome"]) == (
        "SIAM-0000001",
        "manual",
        "refreshed",
    )


def test_a_digital_membership_is_found_through_the_code_index(client, app_backends, admin):
    url = REFRESH.format(program="SIAM", code="12345")
    assert client.post(url, headers=admin).status_code == 200

    def sor_down(*args, **kwargs):
        raise AssertionError("the code index knows this code: no SoR look-up")

    app_backends.sor.find_membership_number = sor_down
    assert client.post(url, headers=admin).status_code == 200
    assert [e["reason"] for e in _log(app_backends)] == ["manual", "manual"]


def test_an_unknown_code_is_a_404(client, admin):
    problem = assert_problem(_post(client, admin, code="99999"), 404)
    assert problem["type"] == "urn:mosaic:problem:membership-not-found"


def test_a_membership_gone_from_the_sor_is_a_404(client, app_backends, admin, tmp_path):
    url = REFRESH.format(program="SIAM", code="12345")
    assert client.post(url, headers=admin).status_code == 200
    with sor_engine_of(tmp_path).begin() as c:
        c.execute(sa.delete(t.static_vouchers))
        c.execute(sa.delete(t.tracking_transactions))
        c.execute(sa.delete(t.memberships))
    assert_problem(client.post(url, headers=admin), 404)


def sor_engine_of(tmp_path) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")


@pytest.mark.parametrize(
    ("program", "code", "field"),
    [
        ("SIAM", "12a45", "activationCode"),
        ("SIAM", "1234", "activationCode"),
        ("SIAM", "123456", "activationCode"),
        ("SIAM", "%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95", "activationCode"),
        ("siam!", "12345", "program"),
    ],
)
def test_a_malformed_parameter_is_a_400_naming_it(client, admin, program, code, field):
    problem = assert_problem(_post(client, admin, program, code), 400)
    assert [e["field"] for e in problem["errors"]] == [field]


def test_sor_down_for_a_code_not_yet_digital_is_a_503(client, app_backends, admin):
    def sor_down(*args, **kwargs):
        raise SorUnavailable("down")

    app_backends.sor.find_membership_number = sor_down
    problem = assert_problem(_post(client, admin), 503)
    assert problem["type"] == "urn:mosaic:problem:system-of-record-unavailable"


@pytest.mark.parametrize("headers", [{}, {"X-Admin-Key": "wrong"}, {"X-Admin-Key": "é".encode()}])
def test_without_the_admin_key_nothing_is_refreshed(client, app_backends, headers):
    response = _post(client, headers)
    assert assert_problem(response, 401)["type"] == "urn:mosaic:problem:not-authenticated"
    assert _log(app_backends) == []


def test_a_configured_admin_key_is_the_one_asked(client, monkeypatch):
    monkeypatch.setenv("MOSAIC_ADMIN_KEY", "operators-own-key")
    get_settings.cache_clear()
    url = REFRESH.format(program="SIAM", code="12345")
    assert client.post(url, headers={"X-Admin-Key": "operators-own-key"}).status_code == 200
