"""POS and back-office routes as an attacker and a new integrator meet them: nothing a client
sends is a 5xx, keys are checked before anything else and a revoked one stops at once,
refusals name what refused."""

import json

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.demo.keys import key_hash
from tests.factories import NOW
from tests.functions.conftest import assert_problem
from tests.functions.pos_world import AGENT, AGENT_KEY, STAFF, add_callers, redeem, refresh_world
from tests.sor_rows import configure_program

CARD = "4000123412341234"


@pytest.fixture
def world(client, admin, tmp_path):
    add_callers(tmp_path)
    refresh_world(client, admin)
    return tmp_path


def test_no_client_input_to_a_pos_or_back_office_route_answers_a_5xx(client, world):
    spend = {"cardNumber": CARD, "currency": "THB"}
    sent = [
        ("pos/tracking", AGENT, spend | {"amount": 999999999999.99}),
        ("pos/tracking", AGENT, spend | {"amount": 999999999999.99}),
        ("pos/tracking", AGENT, spend | {"amount": "1e400"}),
        ("pos/tracking", AGENT, {"activationCode": "99999", "amount": 1, "currency": "THB"}),
        ("pos/vouchers/redeem", AGENT, {"voucherCode": "\uff15\uff14\uff13\uff12\uff11"}),
        ("pos/vouchers/redeem", AGENT, {"voucherCode": ["54321"]}),
        ("pos/discount-codes/consume", AGENT, {"discountCode": "ABCDEFGH"}),
        ("pos/memberships/validate", AGENT, {"cardNumber": "0" * 32}),
        ("backoffice/vouchers/redeem", STAFF, {"voucherCode": "54321", "hotel": "x" * 32}),
        ("backoffice/vouchers/redeem", STAFF, {"voucherCode": "54321", "outlet": "SIAM-H01-O1"}),
    ]
    answers = []
    for n, (route, caller, body) in enumerate(sent):
        headers = caller | {"Idempotency-Key": f"fuzz-{n}"}
        response = client.post(f"/api/{route}", json=body, headers=headers)
        answers.append((route, json.dumps(body), response.status_code, response.text[:120]))
    for query in ({"q": 'ploy" OR *'}, {"q": "NEAR(a b) AND"}, {"tier": "'"}, {"page": "99999"}):
        response = client.get("/api/backoffice/memberships", params=query, headers=STAFF)
        answers.append(("search", str(query), response.status_code, response.text[:120]))
    assert [a for a in answers if a[2] >= 500] == []


def test_spend_that_would_take_the_counters_past_what_they_hold_is_refused_by_field(client, world):
    spend = {"cardNumber": CARD, "currency": "THB", "amount": 999999999999.99}
    response = client.post(
        "/api/pos/tracking", json=spend, headers=AGENT | {"Idempotency-Key": "s"}
    )
    assert assert_problem(response, 400)["errors"][0]["field"] == "amount"


def test_a_wrong_staff_key_is_a_401_before_the_body_is_read_and_no_agent_key(client, world):
    wrong = {"X-Staff-Key": "stf_" + "9" * 32, "Idempotency-Key": "k"}
    for route in ("validate", "redeem"):
        response = client.post(f"/api/backoffice/vouchers/{route}", json={}, headers=wrong)
        assert_problem(response, 401)
    assert_problem(redeem(client, "54321", "k", headers=STAFF), 401)


def test_a_key_removed_from_the_sor_stops_at_the_program_refresh(client, world, admin):
    body = {"voucherCode": "54321"}
    assert client.post("/api/pos/vouchers/validate", json=body, headers=AGENT).status_code == 200
    engine = sa.create_engine(f"sqlite:///{world / 'sor.sqlite'}")
    with engine.begin() as c:
        c.execute(sa.delete(t.pos_agents).where(t.pos_agents.c.key_hash == key_hash(AGENT_KEY)))
    assert client.post("/api/control/programs/SIAM/refresh", headers=admin).status_code == 200
    assert_problem(client.post("/api/pos/vouchers/validate", json=body, headers=AGENT), 401)


def test_a_policy_refusal_is_a_422_naming_its_rule(client, world, admin):
    engine = sa.create_engine(f"sqlite:///{world / 'sor.sqlite'}")
    configure_program(
        engine,
        "policy:food",
        json.dumps({"rules": [{"rule": "allowedHotels", "hotels": []}]}),
        NOW,
    )
    assert client.post("/api/control/programs/SIAM/refresh", headers=admin).status_code == 200
    problem = assert_problem(redeem(client, "54321", "p-1"), 422)
    assert problem["rule"] == "allowedHotels"
    assert "SIAM-H01" in problem["detail"]
