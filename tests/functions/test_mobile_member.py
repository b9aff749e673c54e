"""Member routes through the local host: the session token, the home page, vouchers,
offers, devices."""

import time
from dataclasses import replace
from datetime import timedelta

import pytest

from mosaic.domain.membership import DigitalMembership, MembershipMode
from mosaic.ports.documents import Container
from mosaic.ports.sessions import MemberSession
from mosaic.services.documents import load
from mosaic.services.members import session_credential
from tests.factories import NOW
from tests.functions.conftest import assert_problem
from tests.functions.mobile_world import login, signed_in_with_catalog

MEMBER = "SIAM-0000001"


@pytest.fixture
def member(client, admin, tmp_path):
    return signed_in_with_catalog(client, admin, tmp_path)


def test_member_routes_refuse_a_request_without_a_token(client):
    for route in ("membership", "vouchers/dynamic", "vouchers/static", "offers"):
        response = client.get(f"/api/mobile/{route}")
        problem = assert_problem(response, 401)
        assert "Bearer" in problem["detail"]
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_tampered_token_is_refused(client, member):
    token = member["Authorization"]
    assert client.get("/api/mobile/membership", headers=member).status_code == 200
    tampered = {"Authorization": token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")}
    assert_problem(client.get("/api/mobile/membership", headers=tampered), 401)
    assert_problem(client.get("/api/mobile/membership", headers={"Authorization": "Bearer x"}), 401)
    basic = {"Authorization": "Basic dXNlcjpwYXNz"}
    assert_problem(client.get("/api/mobile/membership", headers=basic), 401)


def _token(app_backends, **changes) -> dict[str, str]:
    session = MemberSession(
        program="SIAM",
        membership_number=MEMBER,
        mode=MembershipMode.FULL,
        expires_at=NOW + timedelta(hours=1),
        credential="",
    )

    stored = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", MEMBER)
    credential = session_credential(app_backends, load(DigitalMembership, stored))
    session = replace(session, credential=credential, **changes)
    return {"Authorization": f"Bearer {app_backends.sessions.issue(session, NOW)}"}


def test_an_expired_token_is_refused_and_says_so(client, member, app_backends):
    assert client.get("/api/mobile/membership", headers=_token(app_backends)).status_code == 200
    expired = _token(app_backends, expires_at=NOW - timedelta(seconds=1))
    problem = assert_problem(client.get("/api/mobile/membership", headers=expired), 401)
    assert "expired" in problem["detail"]


def test_a_token_of_another_program_is_refused(client, member, app_backends):
    other = _token(app_backends, program="ANDA")
    problem = assert_problem(client.get("/api/mobile/vouchers/dynamic", headers=other), 401)
    assert "program" in problem["detail"]


def test_a_session_ends_when_the_activation_code_changes(client, member, app_backends, tmp_path):
    import sqlalchemy as sa

    from mosaic.adapters.sor import schema as t
    from mosaic.services.refresh import refresh_membership
    from mosaic.services.refresh_requests import RefreshReason

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    with engine.begin() as c:
        c.execute(
            sa.update(t.memberships)
            .where(t.memberships.c.membership_number == MEMBER)
            .values(activation_code="54321", updated_at=NOW)
        )
    refresh_membership(app_backends, "SIAM", MEMBER, RefreshReason.MANUAL)
    problem = assert_problem(client.get("/api/mobile/membership", headers=member), 401)
    assert "activation code changed" in problem["detail"]
    assert client.get("/api/mobile/membership", headers=login(client, "54321")).status_code == 200


def test_home_page_shows_the_membership_counters_and_invitations_left(client, member):
    response = client.get("/api/mobile/membership", headers=member)
    assert response.status_code == 200, response.text
    home = response.json()
    assert home["membershipNumber"] == MEMBER
    assert home["status"] == "active"
    assert home["counters"]["trackingTransactions"] == 1
    assert home["counters"]["foodAndBeverageSpend"]["currency"] == "THB"
    assert home["invitationsLeft"] == 5
    assert home["invitations"] == []


def test_dynamic_vouchers_are_the_campaigns_for_full_members(client, member):
    response = client.get("/api/mobile/vouchers/dynamic", headers=member)
    assert response.status_code == 200, response.text
    vouchers = response.json()["vouchers"]
    assert sorted(v["campaign"] for v in vouchers) == ["C-ALL", "C-FULL"]
    assert all(len(v["code"]) == 6 and v["status"] == "available" for v in vouchers)


def test_static_vouchers_come_from_the_digital_membership(client, member):
    response = client.get("/api/mobile/vouchers/static", headers=member)
    [voucher] = response.json()["vouchers"]
    assert voucher["code"] == "54321"
    assert voucher["type"] == "food"
    assert voucher["redemptions"] == []


def test_offers_list_the_eligible_offer(client, member):
    [offer] = client.get("/api/mobile/offers", headers=member).json()["offers"]
    assert offer["code"] == "SPA20"
    assert offer["discountCode"] is None


def test_device_registered_twice_is_one_device_updated(client, member, app_backends):
    device = {"deviceId": "ios-1", "platform": "ios", "osVersion": "18.1", "pushToken": "tok-1"}
    first = client.post("/api/mobile/devices", headers=member, json=device)
    assert first.status_code == 200, first.text
    assert first.json()["pushTokenRegistered"] is True
    again = client.post("/api/mobile/devices", headers=member, json=device | {"osVersion": "18.2"})
    assert again.json()["osVersion"] == "18.2"
    devices = client.get("/api/mobile/membership", headers=member).json()["devices"]
    assert [(d["deviceId"], d["osVersion"]) for d in devices] == [("ios-1", "18.2")]


def test_device_registration_is_followed_by_a_refresh_from_the_queue(client, member, app_backends):
    client.post("/api/mobile/devices", headers=member, json={"deviceId": "and-2"})
    deadline = time.monotonic() + 10
    reasons: list[str] = []
    while time.monotonic() < deadline and "device" not in reasons:
        logged = app_backends.documents.query(Container.REFRESH_LOG, "SIAM")
        reasons = [d.body["reason"] for d in logged]
        time.sleep(0.1)
    assert "device" in reasons


def test_device_without_id_names_the_field(client, member):
    problem = assert_problem(client.post("/api/mobile/devices", headers=member, json={}), 400)
    assert problem["errors"][0]["field"] == "deviceId"
