"""POS routes through the local host: keys, vouchers, exactly-once redemption, fallback."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.ports.documents import Container
from tests.factories import (
    NOW,
    insert_member,
    insert_program,
    sor_membership,
    sor_record,
    static_voucher,
)
from tests.functions.conftest import assert_problem
from tests.functions.pos_world import (
    AGENT,
    OTHER_HOTEL_AGENT_KEY,
    add_callers,
    redeem,
    refresh_world,
)

MEMBER = "SIAM-0000001"
STATIC = "54321"


@pytest.fixture
def world(client, admin, tmp_path):
    add_callers(tmp_path)
    refresh_world(client, admin)
    return tmp_path


def dynamic_code(app_backends, campaign="C-ALL") -> str:
    body = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", MEMBER).body
    return str(next(v["code"] for v in body["dynamicVouchers"] if v["campaign"] == campaign))


def test_a_wrong_or_missing_agent_key_is_a_401(client, world):
    body = {"voucherCode": STATIC}
    assert_problem(client.post("/api/pos/vouchers/validate", json=body), 401)
    wrong = {"X-Agent-Key": "agt_" + "9" * 32}
    assert_problem(client.post("/api/pos/vouchers/validate", json=body, headers=wrong), 401)


def test_validate_is_a_dry_run_that_says_yes(client, world, app_backends):
    response = client.post(
        "/api/pos/vouchers/validate", json={"voucherCode": STATIC}, headers=AGENT
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "available"
    assert answer["membershipNumber"] == MEMBER
    assert answer["fromSystemOfRecord"] is False
    body = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", MEMBER).body
    assert body["staticVouchers"][0]["redemptions"] == []


def test_redeeming_a_dynamic_voucher_records_who_where_and_when(client, world, app_backends):
    code = dynamic_code(app_backends)
    response = redeem(client, code, "k-1")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "redeemed"
    assert response.json()["redemption"]["hotel"] == "SIAM-H01"
    body = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", MEMBER).body
    [voucher] = [v for v in body["dynamicVouchers"] if v["code"] == code]
    [redemption] = voucher["redemptions"]
    assert redemption["outlet"] == "SIAM-H01-O1"
    assert redemption["idempotencyKey"] == "k-1"
    assert redemption["agent"].startswith("agent:")


def test_a_redeemed_voucher_is_refused_with_where_it_was_redeemed(client, world, app_backends):
    code = dynamic_code(app_backends)
    assert redeem(client, code, "k-1").status_code == 200
    problem = assert_problem(redeem(client, code, "k-2"), 409)
    assert "SIAM-H01" in problem["detail"]


def test_a_replay_answers_the_first_answer_and_a_changed_body_is_a_422(client, world, app_backends):
    code = dynamic_code(app_backends)
    first = redeem(client, code, "same")
    again = redeem(client, code, "same")
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = dynamic_code(app_backends, "C-FULL")
    assert_problem(redeem(client, other, "same"), 422)


def test_a_missing_idempotency_key_is_a_400_naming_the_header(client, world):
    response = client.post("/api/pos/vouchers/redeem", json={"voucherCode": STATIC}, headers=AGENT)
    problem = assert_problem(response, 400)
    assert problem["errors"][0]["field"] == "Idempotency-Key"


def test_twenty_terminals_redeeming_one_voucher_one_succeeds(client, world, app_backends):
    code = dynamic_code(app_backends)
    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(lambda n: redeem(client, code, f"t-{n}").status_code, range(20)))
    assert statuses.count(200) == 1
    assert statuses.count(409) == 19
    body = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", MEMBER).body
    [voucher] = [v for v in body["dynamicVouchers"] if v["code"] == code]
    assert len(voucher["redemptions"]) == 1


def test_twenty_retries_with_one_key_answer_alike_and_redeem_once(client, world, app_backends):
    code = dynamic_code(app_backends)
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: redeem(client, code, "one-key"), range(20)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    body = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", MEMBER).body
    [voucher] = [v for v in body["dynamicVouchers"] if v["code"] == code]
    assert len(voucher["redemptions"]) == 1


def test_a_static_voucher_redemption_is_stored_as_a_pending_sor_request(
    client, world, app_backends
):
    assert redeem(client, STATIC, "s-1").status_code == 200
    [request] = app_backends.documents.query(Container.SOR_REQUESTS, "SIAM")
    assert request.body["status"] == "pending"
    assert request.body["kind"] == "redeemStaticVoucher"
    body = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", MEMBER).body
    assert body["staticVouchers"][0]["redemptions"][0]["sorRequest"] == request.id


def test_unredeem_reverses_and_a_voucher_not_redeemed_is_refused(client, world, app_backends):
    code = dynamic_code(app_backends)
    unredeem = lambda key: client.post(  # noqa: E731
        "/api/pos/vouchers/unredeem",
        json={"voucherCode": code},
        headers=AGENT | {"Idempotency-Key": key},
    )
    assert_problem(unredeem("u-0"), 409)
    assert redeem(client, code, "r-1").status_code == 200
    response = unredeem("u-1")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "available"
    assert redeem(client, code, "r-2").status_code == 200


def test_a_hotel_voucher_is_refused_at_another_hotel(client, world, tmp_path, admin, app_backends):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    with engine.begin() as c:
        c.execute(sa.update(t.static_vouchers).values(hotel="SIAM-H01", updated_at=NOW))
    client.post("/api/control/memberships/SIAM/12345/refresh", headers=admin)
    other = {"X-Agent-Key": OTHER_HOTEL_AGENT_KEY}
    response = client.post(
        "/api/pos/vouchers/validate", json={"voucherCode": STATIC}, headers=other
    )
    assert_problem(response, 422)


def test_an_expired_voucher_is_refused(client, world, tmp_path, admin):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    with engine.begin() as c:
        c.execute(
            sa.update(t.static_vouchers).values(valid_to=NOW.date().replace(day=1), updated_at=NOW)
        )
    client.post("/api/control/memberships/SIAM/12345/refresh", headers=admin)
    problem = assert_problem(redeem(client, STATIC, "e-1"), 422)
    assert problem["title"] == "Voucher expired"


def test_a_voucher_of_another_program_is_not_found(client, world, tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    insert_program(engine, "ANDA", "Andaman", "Asia/Bangkok", "THB")
    other = sor_membership(
        program="ANDA",
        membership_number="ANDA-0000001",
        activation_code="33333",
        card_number=None,
        package_code="ANDA-GOLD",
    )
    insert_member(
        engine, sor_record(membership=other, static_vouchers=[static_voucher("77777")], tracking=[])
    )
    problem = assert_problem(redeem(client, "77777", "x-1"), 404)
    assert "ANDA" not in problem["detail"]


def test_a_voucher_whose_member_is_not_digital_is_redeemed_in_the_sor(client, world, tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    membership = sor_membership(
        membership_number="SIAM-0000002", activation_code="22222", card_number="4000999999999999"
    )
    insert_member(
        engine,
        sor_record(membership=membership, static_vouchers=[static_voucher("11111")], tracking=[]),
    )
    first = redeem(client, "11111", "f-1")
    assert first.status_code == 200, first.text
    assert first.json()["fromSystemOfRecord"] is True
    with engine.begin() as c:
        row = c.execute(
            sa.select(t.static_vouchers).where(t.static_vouchers.c.code == "11111")
        ).one()
    assert row.status == "redeemed"
    assert row.redeemed_hotel == "SIAM-H01"
    assert_problem(redeem(client, "11111", "f-2"), 409)


def test_membership_validate_by_card_and_by_code(client, world):
    by_card = client.post(
        "/api/pos/memberships/validate", json={"cardNumber": "4000123412341234"}, headers=AGENT
    )
    assert by_card.status_code == 200, by_card.text
    assert by_card.json()["usable"] is True
    by_code = client.post(
        "/api/pos/memberships/validate", json={"activationCode": "12345"}, headers=AGENT
    )
    assert by_code.json()["membershipNumber"] == MEMBER
    both = client.post("/api/pos/memberships/validate", json={}, headers=AGENT)
    assert assert_problem(both, 400)["errors"][0]["field"] == "cardNumber"
    unknown = client.post("/api/pos/memberships/validate", json={"cardNumber": "1"}, headers=AGENT)
    assert_problem(unknown, 404)


def test_tracking_updates_the_counters_once_per_key(client, world, app_backends):
    body = {"cardNumber": "4000123412341234", "amount": 500.25, "currency": "THB"}
    headers = AGENT | {"Idempotency-Key": "spend-1"}
    first = client.post("/api/pos/tracking", json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["trackingTransactions"] == 2
    again = client.post("/api/pos/tracking", json=body, headers=headers)
    assert again.json() == first.json()
    stored = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", MEMBER).body
    assert stored["counters"]["trackingTransactions"] == 2
    kinds = [r.body["kind"] for r in app_backends.documents.query(Container.SOR_REQUESTS, "SIAM")]
    assert kinds == ["tracking"]


def test_status_is_unknown_before_any_health_check(client, world):
    response = client.get("/api/pos/status", headers=AGENT)
    assert response.json() == {"status": "unknown", "since": None}


def test_discount_code_consumed_once_then_refused(client, world):
    member = client.post(
        "/api/mobile/login", json={"program": "SIAM", "activationCode": "12345"}
    ).json()
    bearer = {"Authorization": f"Bearer {member['token']}"}
    code = client.post(
        "/api/mobile/discount-codes", headers=bearer, json={"offer": "SPA20"}
    ).json()["code"]
    consume = lambda key: client.post(  # noqa: E731
        "/api/pos/discount-codes/consume",
        json={"discountCode": code},
        headers=AGENT | {"Idempotency-Key": key},
    )
    first = consume("c-1")
    assert first.status_code == 200, first.text
    assert consume("c-1").json() == first.json()
    assert_problem(consume("c-2"), 409)
    [offer] = client.get("/api/mobile/offers", headers=bearer).json()["offers"]
    assert offer["discountCode"]["status"] == "consumed"
