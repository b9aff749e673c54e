"""Invitations, invitee logins, discount codes and PINs through the local host."""

from datetime import timedelta

import pytest

from mosaic.ports.documents import Container
from tests.factories import NOW
from tests.functions.conftest import assert_problem
from tests.functions.mobile_world import login, signed_in_with_catalog

MEMBER = "SIAM-0000001"
INVITE = "/api/mobile/invitations"


@pytest.fixture
def member(client, admin, tmp_path):
    return signed_in_with_catalog(client, admin, tmp_path)


def invite(client, member, **contact):
    body = {"name": "Nok"} | (contact or {"email": "nok@example.com"})
    return client.post(INVITE, headers=member, json=body)


def shift(app_backends, number, path, when):
    """Move a stored instant of a membership document, as if it happened at `when`."""
    stored = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", number)
    body = stored.body
    section, field = path
    body[section][field] = when.isoformat()
    app_backends.documents.replace(Container.MEMBERSHIPS, body, if_match=stored.etag)


def test_invitation_answers_a_six_digit_code_the_friend_logs_in_with(client, member):
    response = invite(client, member)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    made = response.json()
    assert len(made["inviteeCode"]) == 6
    assert made["activateBy"] == "2026-12-21"
    friend = client.post(
        "/api/mobile/login", json={"program": "SIAM", "activationCode": made["inviteeCode"]}
    )
    assert friend.status_code == 200, friend.text
    assert friend.json()["mode"] == "invitee"


def test_the_same_friend_invited_again_gets_the_same_code(client, member):
    first = invite(client, member).json()
    again = invite(client, member, email="NOK@example.com")
    assert again.status_code == 200
    assert again.json()["inviteeCode"] == first["inviteeCode"]


def test_invitation_needs_an_email_or_a_phone_and_checks_them(client, member):
    problem = assert_problem(client.post(INVITE, headers=member, json={"name": "Nok"}), 400)
    assert problem["errors"][0]["field"] == "email"
    bad = assert_problem(invite(client, member, email="not-an-email"), 400)
    assert bad["errors"][0]["field"] == "email"
    assert_problem(invite(client, member, phone="call me"), 400)


def test_invitations_past_the_limit_are_refused(client, member):
    for n in range(5):
        assert invite(client, member, phone=f"+66 81 000 00{n:02d}").status_code == 201
    problem = assert_problem(invite(client, member, phone="+66 81 000 0099"), 409)
    assert "at most 5" in problem["detail"]
    home = client.get("/api/mobile/membership", headers=member).json()
    assert home["invitationsLeft"] == 0
    assert {i["state"] for i in home["invitations"]} == {"pending"}


def test_invitee_sees_the_campaigns_for_invitees_and_cannot_invite(client, member):
    code = invite(client, member).json()["inviteeCode"]
    friend = login(client, code)
    vouchers = client.get("/api/mobile/vouchers/dynamic", headers=friend).json()["vouchers"]
    assert sorted(v["campaign"] for v in vouchers) == ["C-ALL", "C-INV"]
    home = client.get("/api/mobile/membership", headers=friend).json()
    assert home["mode"] == "invitee"
    assert_problem(invite(client, friend, email="other@example.com"), 403)


def test_a_lapsed_invitation_refuses_its_code(client, member, app_backends):
    made = invite(client, member).json()
    number = _invitee_number(app_backends, made["inviteeCode"])
    shift(app_backends, number, ("invitation", "invitedAt"), NOW - timedelta(days=31))
    response = client.post(
        "/api/mobile/login", json={"program": "SIAM", "activationCode": made["inviteeCode"]}
    )
    problem = assert_problem(response, 403)
    assert problem["title"] == "Invitation lapsed"


def test_an_invitee_past_the_period_is_refused_at_login_and_on_every_route(
    client, member, app_backends
):
    made = invite(client, member).json()
    friend = login(client, made["inviteeCode"])
    number = _invitee_number(app_backends, made["inviteeCode"])
    shift(app_backends, number, ("invitation", "activatedAt"), NOW - timedelta(days=8))
    problem = assert_problem(client.get("/api/mobile/offers", headers=friend), 403)
    assert problem["title"] == "Invitee period is over"
    response = client.post(
        "/api/mobile/login", json={"program": "SIAM", "activationCode": made["inviteeCode"]}
    )
    assert_problem(response, 403)


def _invitee_number(app_backends, code):
    entry = app_backends.documents.read(Container.CODES, "SIAM", f"invitee:{code}")
    return entry.body["membershipNumber"]


def test_discount_code_is_eight_characters_and_asked_again_is_the_same(client, member):
    first = client.post("/api/mobile/discount-codes", headers=member, json={"offer": "SPA20"})
    assert first.status_code == 201, first.text
    code = first.json()
    assert len(code["code"]) == 8
    assert not set(code["code"]) & set("01OI")
    again = client.post("/api/mobile/discount-codes", headers=member, json={"offer": "SPA20"})
    assert again.status_code == 200
    assert again.json()["code"] == code["code"]
    [offer] = client.get("/api/mobile/offers", headers=member).json()["offers"]
    assert offer["discountCode"]["status"] == "available"


def test_an_expired_discount_code_shows_expired_and_a_new_one_can_be_had(
    client, member, app_backends
):
    first = client.post("/api/mobile/discount-codes", headers=member, json={"offer": "SPA20"})
    stored = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", MEMBER)
    body = stored.body
    body["discountCodes"][0]["expiresAt"] = (NOW - timedelta(seconds=1)).isoformat()
    app_backends.documents.replace(Container.MEMBERSHIPS, body, if_match=stored.etag)
    [offer] = client.get("/api/mobile/offers", headers=member).json()["offers"]
    assert offer["discountCode"]["status"] == "expired"
    fresh = client.post("/api/mobile/discount-codes", headers=member, json={"offer": "SPA20"})
    assert fresh.status_code == 201
    assert fresh.json()["code"] != first.json()["code"]


def test_discount_code_for_an_offer_not_the_members_is_a_404(client, member):
    response = client.post("/api/mobile/discount-codes", headers=member, json={"offer": "GOLF"})
    assert_problem(response, 404)


def test_pin_is_six_digits_kept_only_as_a_hash(client, member, app_backends):
    response = client.post("/api/mobile/pins", headers=member)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    pin = response.json()
    assert len(pin["pin"]) == 6
    assert pin["pin"].isdigit()
    stored = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", MEMBER).body
    assert pin["pin"] not in str(stored["pins"])
    assert stored["pins"][0]["expiresAt"] == pin["expiresAt"]


def test_a_new_pin_revokes_the_unused_one(client, member):
    first = client.post("/api/mobile/pins", headers=member).json()
    assert first["expiresAt"] == (NOW + timedelta(minutes=15)).isoformat().replace("+00:00", "Z")
    pins = client.get("/api/mobile/membership", headers=member).json()["pins"]
    assert [p["status"] for p in pins] == ["live"]
    client.post("/api/mobile/pins", headers=member)
    pins = client.get("/api/mobile/membership", headers=member).json()["pins"]
    assert [p["status"] for p in pins] == ["revoked", "live"]


def test_a_pin_after_its_life_is_expired(client, member, app_backends):
    client.post("/api/mobile/pins", headers=member)
    stored = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", MEMBER)
    body = stored.body
    body["pins"][0]["expiresAt"] = NOW.isoformat()  # its 15 minutes are over now
    app_backends.documents.replace(Container.MEMBERSHIPS, body, if_match=stored.etag)
    [pin] = client.get("/api/mobile/membership", headers=member).json()["pins"]
    assert pin["status"] == "expired"


def test_names_and_device_ids_with_control_characters_are_refused(client, member):
    body = {"name": "Nok\u202egnp.exe", "email": "a@example.com"}
    problem = assert_problem(client.post(INVITE, headers=member, json=body), 400)
    assert problem["errors"][0]["field"] == "name"
    device = client.post("/api/mobile/devices", headers=member, json={"deviceId": "a\x00b"})
    assert assert_problem(device, 400)["errors"][0]["field"] == "deviceId"
