"""Back-office routes through the local host: staff keys, vouchers at a named hotel, search,
membership detail, program report."""

import pytest

from mosaic.ports.documents import Container
from tests.functions.conftest import assert_problem
from tests.functions.pos_world import AGENT, STAFF, add_callers, refresh_world

MEMBER = "SIAM-0000001"


@pytest.fixture
def world(client, admin, tmp_path):
    add_callers(tmp_path)
    refresh_world(client, admin)


def staff_post(client, route, body, key=None):
    headers = STAFF | ({"Idempotency-Key": key} if key else {})
    return client.post(f"/api/backoffice/{route}", json=body, headers=headers)


def test_an_agent_key_is_not_a_staff_key(client, world):
    response = client.post(
        "/api/backoffice/vouchers/validate",
        json={"voucherCode": "54321", "hotel": "SIAM-H01"},
        headers=AGENT,
    )
    assert_problem(response, 401)


def test_staff_redeem_at_a_named_hotel_and_reverse_it(client, world, app_backends):
    body = {"voucherCode": "54321", "hotel": "SIAM-H02"}
    assert staff_post(client, "vouchers/validate", body).status_code == 200
    redeemed = staff_post(client, "vouchers/redeem", body, "b-1")
    assert redeemed.status_code == 200, redeemed.text
    assert redeemed.json()["redemption"]["hotel"] == "SIAM-H02"
    assert redeemed.json()["redemption"]["by"].startswith("staff:")
    reversed_ = staff_post(client, "vouchers/unredeem", {"voucherCode": "54321"}, "b-2")
    assert reversed_.status_code == 200, reversed_.text
    assert reversed_.json()["redemption"]["unredeemedAt"] is not None


def test_a_hotel_the_program_does_not_have_is_named(client, world):
    problem = assert_problem(
        staff_post(client, "vouchers/validate", {"voucherCode": "54321", "hotel": "NOPE"}), 400
    )
    assert problem["errors"][0]["field"] == "hotel"


def test_search_finds_the_member_with_facets(client, world):
    response = client.get("/api/backoffice/memberships", params={"q": "ploy"}, headers=STAFF)
    assert response.status_code == 200, response.text
    found = response.json()
    assert [i["membershipNumber"] for i in found["items"]] == [MEMBER]
    assert found["facets"]["status"] == {"active": 1}
    other = client.get("/api/backoffice/memberships", params={"program": "ANDA"}, headers=STAFF)
    assert other.json()["total"] == 0


def test_search_refuses_a_page_too_deep_naming_it(client, world):
    response = client.get("/api/backoffice/memberships", params={"page": "0"}, headers=STAFF)
    assert assert_problem(response, 400)["errors"][0]["field"] == "page"


def test_membership_detail_is_the_whole_document_without_pin_hashes(client, world, app_backends):
    bearer = client.post("/api/mobile/login", json={"program": "SIAM", "activationCode": "12345"})
    token = {"Authorization": f"Bearer {bearer.json()['token']}"}
    client.post("/api/mobile/pins", headers=token)
    response = client.get(f"/api/backoffice/memberships/SIAM/{MEMBER}", headers=STAFF)
    assert response.status_code == 200, response.text
    membership = response.json()["membership"]
    assert membership["staticVouchers"][0]["code"] == "54321"
    assert "hash" not in membership["pins"][0]
    assert (
        "hash" in app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", MEMBER).body["pins"][0]
    )
    assert_problem(client.get(f"/api/backoffice/memberships/ANDA/{MEMBER}", headers=STAFF), 404)


def test_program_report_is_the_programs_statistics(client, world):
    response = client.get("/api/backoffice/programs/SIAM/report", headers=STAFF)
    assert response.status_code == 200, response.text
    assert "trackingPerHotel" in response.json()["statistics"]
    assert_problem(client.get("/api/backoffice/programs/ANDA/report", headers=STAFF), 404)
