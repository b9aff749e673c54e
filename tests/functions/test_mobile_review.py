"""Review of the mobile API as an attacker and a new user would try it, through the local
host: sessions against the app's clock, contacts spelled differently, caching answers,
discount codes of a membership that may not use them, and day boundaries in Bangkok."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.services.refresh import refresh_membership
from mosaic.services.refresh_requests import RefreshReason
from tests.factories import NOW
from tests.functions.conftest import assert_problem
from tests.functions.mobile_world import OPEN, login, signed_in_with_catalog
from tests.sor_rows import insert_campaign

MEMBER = "SIAM-0000001"
LOGIN = "/api/mobile/login"
INVITE = "/api/mobile/invitations"
CONTENT = "/api/mobile/programs/SIAM/content"


@pytest.fixture
def member(client, admin, tmp_path):
    return signed_in_with_catalog(client, admin, tmp_path)


def move_clock_to(app_backends, when: datetime) -> None:
    app_backends.clock.advance(when - app_backends.clock.now())


def test_a_session_holds_when_the_apps_clock_is_ahead_of_the_machines(client, member, app_backends):
    # MOSAIC_NOW (or an instance whose clock runs ahead) issues tokens "in the future" of
    # the machine verifying them: the session is the app's clock's to judge, as its expiry is.
    move_clock_to(app_backends, datetime.now(UTC) + timedelta(hours=1))
    session = login(client)
    response = client.get("/api/mobile/membership", headers=session)
    assert response.status_code == 200, response.text


def test_a_not_modified_brochure_keeps_the_json_content_type(client, member):
    first = client.get(CONTENT)
    again = client.get(CONTENT, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    # A cache updates its stored headers from a 304 (RFC 9111 4.3.4): a text/plain there
    # would turn the cached brochure into text.
    assert again.headers.get("content-type", "application/json") == "application/json"


def test_the_phone_of_an_open_email_and_phone_invitation_answers_it(client, member):
    both = {"name": "Nok", "email": "nok@example.com", "phone": "+66 89 999 9999"}
    first = client.post(INVITE, headers=member, json=both)
    assert first.status_code == 201, first.text
    again = client.post(INVITE, headers=member, json={"name": "Nok", "phone": "+66899999999"})
    assert again.status_code == 200, again.text
    assert again.json()["inviteeCode"] == first.json()["inviteeCode"]


def test_a_phone_is_not_taken_for_the_digits_of_an_email(client, member):
    by_email = client.post(INVITE, headers=member, json={"name": "A", "email": "a123456@x.com"})
    by_phone = client.post(INVITE, headers=member, json={"name": "B", "phone": "123456"})
    assert by_phone.status_code == 201, by_phone.text
    assert by_phone.json()["inviteeCode"] != by_email.json()["inviteeCode"]


@pytest.mark.parametrize("status", ["suspended", "cancelled"])
def test_a_membership_that_is_not_active_gets_no_discount_code(
    client, member, app_backends, tmp_path, status
):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    with engine.begin() as c:
        c.execute(sa.update(t.memberships).values(status=status, updated_at=NOW))
    engine.dispose()
    refresh_membership(app_backends, "SIAM", MEMBER, RefreshReason.MANUAL)
    response = client.post("/api/mobile/discount-codes", headers=member, json={"offer": "SPA20"})
    problem = assert_problem(response, 403)
    assert status in problem["detail"]


def _invitee_code(client, member, email="nok@example.com") -> str:
    made = client.post(INVITE, headers=member, json={"name": "Nok", "email": email})
    assert made.status_code == 201, made.text
    code: str = made.json()["inviteeCode"]
    return code


def test_an_invitee_period_runs_to_bangkoks_midnight_not_utcs(client, member, app_backends):
    code = _invitee_code(client, member)
    move_clock_to(app_backends, datetime(2026, 11, 21, 17, 30, tzinfo=UTC))  # 00:30 on the 22nd
    friend = login(client, code)
    home = client.get("/api/mobile/membership", headers=friend).json()
    assert home["expiresOn"] == "2026-11-29"
    move_clock_to(app_backends, datetime(2026, 11, 29, 16, 59, 59, tzinfo=UTC))
    friend = login(client, code)  # the first session's week is over
    assert client.get("/api/mobile/offers", headers=friend).status_code == 200
    move_clock_to(app_backends, datetime(2026, 11, 29, 17, 0, tzinfo=UTC))
    problem = assert_problem(client.get("/api/mobile/offers", headers=friend), 403)
    assert "its last day was 2026-11-29 (Asia/Bangkok time)" in problem["detail"]


def test_an_invitation_lapses_at_bangkoks_midnight_of_its_last_day(client, member, app_backends):
    late, lapsed = _invitee_code(client, member), _invitee_code(client, member, "b@example.com")
    move_clock_to(app_backends, datetime(2026, 12, 21, 16, 59, 59, tzinfo=UTC))
    assert client.get("/api/mobile/membership", headers=login(client, late)).status_code == 200
    move_clock_to(app_backends, datetime(2026, 12, 21, 17, 0, tzinfo=UTC))
    body = {"program": "SIAM", "activationCode": lapsed}
    problem = assert_problem(client.post(LOGIN, json=body), 403)
    assert problem["title"] == "Invitation lapsed"
    assert "by the end of 2026-12-21 (Asia/Bangkok time)" in problem["detail"]


def test_a_huge_integer_is_refused_in_the_apis_words_not_pythons(client):
    body = b'{"program": "SIAM", "activationCode": "12345", "n": ' + b"9" * 5000 + b"}"
    problem = assert_problem(client.post(LOGIN, content=body), 400)
    [error] = problem["errors"]
    assert error["field"] == "body"
    assert error["rule"] == "is not valid JSON (99999999999999999999... is out of range)"


def test_a_campaign_for_invitees_begun_after_the_login_reaches_the_signed_in_invitee(
    client, member, admin, tmp_path
):
    friend = login(client, _invitee_code(client, member))
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    insert_campaign(engine, "C-INV-2", *OPEN, NOW + timedelta(seconds=1), target="invitee")
    engine.dispose()
    assert client.post("/api/control/programs/SIAM/refresh", headers=admin).status_code == 200
    client.post("/api/mobile/devices", headers=friend, json={"deviceId": "ios-1"})
    deadline = time.monotonic() + 2  # time for whatever the refreshes queue
    campaigns: set[str] = set()
    while "C-INV-2" not in campaigns and time.monotonic() < deadline:
        vouchers = client.get("/api/mobile/vouchers/dynamic", headers=friend).json()["vouchers"]
        campaigns = {v["campaign"] for v in vouchers}
        time.sleep(0.1)
    assert "C-INV-2" in campaigns
