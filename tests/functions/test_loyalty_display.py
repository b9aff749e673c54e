"""Back-office adjustments, and the points as the app, POS and the back office show them."""

import pytest

from tests.functions.conftest import assert_problem
from tests.functions.loyalty_world import MEMBER, loyalty_world, post_booking
from tests.functions.mobile_world import login
from tests.functions.pos_world import AGENT, STAFF
from tests.services.loyalty_member import stored_loyalty

ADJUSTMENTS = f"/api/backoffice/memberships/SIAM/{MEMBER}/loyalty/adjustments"


@pytest.fixture
def world(client, admin, tmp_path, app_backends):
    loyalty_world(client, admin, tmp_path, app_backends)


def adjust(client, body, headers=STAFF, route=ADJUSTMENTS):
    return client.post(route, json=body, headers=headers)


def test_an_adjustment_is_audited_with_its_reason_and_the_staff_key(client, world, app_backends):
    response = adjust(client, {"points": 12, "reason": "goodwill: late check-in"})

    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["movement"]["points"] == 12
    assert answer["movement"]["expiresAt"] == "2027-03-31T23:59:59+07:00"
    assert answer["by"].startswith("staff:")
    assert (answer["points"], answer["tier"]) == (12, "gold")
    assert answer["tierImage"] == "https://img.example/gold.png"
    entry = stored_loyalty(app_backends)["ledger"][-1]
    assert (entry["reason"], entry["by"]) == ("goodwill: late check-in", answer["by"])


def test_a_debit_below_zero_is_refused_naming_points(client, admin, world, app_backends):
    post_booking(client, admin)

    problem = assert_problem(adjust(client, {"points": -2, "reason": "correction"}), 422)

    assert [e["field"] for e in problem["errors"]] == ["points"]
    assert stored_loyalty(app_backends)["balance"] == 1
    assert adjust(client, {"points": -1, "reason": "correction"}).json()["points"] == 0


def test_an_adjustment_repeated_with_its_idempotency_key_counts_once(client, world, app_backends):
    headers = STAFF | {"Idempotency-Key": "adj-1"}
    first = adjust(client, {"points": 3, "reason": "goodwill"}, headers)
    again = adjust(client, {"points": 3, "reason": "goodwill"}, headers)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert stored_loyalty(app_backends)["balance"] == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"points": 0, "reason": "x"}, "points"),
        ({"points": 1.5, "reason": "x"}, "points"),
        ({"points": 10_000_001, "reason": "x"}, "points"),
        ({"points": "many", "reason": "x"}, "points"),
        ({"points": 1, "reason": "  "}, "reason"),
        ({"points": 1, "reason": "x" * 201}, "reason"),
        ({"points": 1}, "reason"),
    ],
)
def test_a_bad_adjustment_is_a_400_naming_the_field(client, world, body, field):
    problem = assert_problem(adjust(client, body), 400)
    assert [e["field"] for e in problem["errors"]] == [field]


def test_adjustments_need_a_staff_key_of_the_membership_program(client, world):
    body = {"points": 1, "reason": "goodwill"}
    assert_problem(adjust(client, body, headers={}), 401)
    assert_problem(adjust(client, body, headers=AGENT), 401)
    other = ADJUSTMENTS.replace("/SIAM/", "/ANDA/")
    assert_problem(adjust(client, body, route=other), 404)
    unknown = ADJUSTMENTS.replace(MEMBER, "SIAM-9999999")
    assert_problem(adjust(client, body, route=unknown), 404)


def test_the_app_shows_balance_tier_next_expiry_and_the_last_movements(client, admin, world):
    post_booking(client, admin, bookingId="B-1")
    post_booking(client, admin, bookingId="B-2", bookedAt="2026-11-21T10:00:00+07:00")

    response = client.get("/api/mobile/loyalty", headers=login(client))

    assert response.status_code == 200, response.text
    view = response.json()
    assert (view["balance"], view["tier"]) == (2, "silver")
    assert view["tierImage"] == "https://img.example/silver.png"
    assert view["tierExpiresAt"] == "2027-03-31T23:59:59+07:00"
    assert view["nextExpiry"] == "2027-03-31T23:59:59+07:00"
    assert (view["nextExpiryPoints"], view["expiringSoon"], view["reminderDays"]) == (2, 0, 7)
    assert view["breakdown"] == [{"expiresAt": "2027-03-31T23:59:59+07:00", "points": 2}]
    assert [m["reference"] for m in view["movements"]] == ["B-2", "B-1"]
    assert "by" not in view["movements"][0]


def test_the_app_loyalty_page_needs_a_session(client, world):
    assert_problem(client.get("/api/mobile/loyalty"), 401)


def test_summaries_show_tier_image_next_expiry_and_expiring_soon(client, admin, world):
    post_booking(client, admin, bookingId="B-1")
    post_booking(client, admin, bookingId="B-2")
    shown = {
        "tier": "silver",
        "tierImage": "https://img.example/silver.png",
        "points": 2,
        "nextExpiry": "2027-03-31T23:59:59+07:00",
        "expiringSoon": 0,
    }

    home = client.get("/api/mobile/membership", headers=login(client)).json()
    pos = client.post(
        "/api/pos/memberships/validate", json={"activationCode": "12345"}, headers=AGENT
    ).json()
    (found,) = client.get("/api/backoffice/memberships", headers=STAFF).json()["items"]

    for summary in (home, pos, found):
        assert {k: summary[k] for k in shown} == shown
