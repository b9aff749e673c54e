"""Guessing activation codes: refused with 429 and Retry-After, from one address or many."""

import pytest

from mosaic.settings import get_settings
from tests.functions.conftest import assert_problem

LOGIN = "/api/mobile/login"


@pytest.fixture
def behind_front_door(monkeypatch):
    """The app behind one trusted proxy, which names the client; a low program ceiling."""
    monkeypatch.setenv("MOSAIC_TRUSTED_PROXY_HOPS", "1")
    monkeypatch.setenv("MOSAIC_LOGIN_PROGRAM_FAILURES_ALLOWED", "12")
    get_settings.cache_clear()


def guess(client, code: str, address: str):
    headers = {"X-Forwarded-For": address}
    return client.post(LOGIN, json={"program": "SIAM", "activationCode": code}, headers=headers)


def test_wrong_codes_from_one_address_end_in_429_with_retry_after(behind_front_door, client):
    answers = [guess(client, f"{n:05d}", "203.0.113.9").status_code for n in range(1, 6)]
    assert answers[:3] == [401, 401, 401]
    response = guess(client, "12345", "203.0.113.9")  # even the right code now waits
    assert_problem(response, 429)
    assert int(response.headers["retry-after"]) > 0
    assert guess(client, "12345", "198.51.100.7").status_code == 200


def test_wrong_codes_from_many_addresses_end_in_429(behind_front_door, client):
    statuses = [guess(client, f"{n:05d}", f"198.51.100.{n}").status_code for n in range(1, 20)]
    assert statuses.count(401) == 12
    assert statuses[-1] == 429


def test_six_digit_invitee_guesses_count_too(behind_front_door, client):
    statuses = [guess(client, f"{n:06d}", "203.0.113.50").status_code for n in range(1, 6)]
    assert statuses[3:] == [429, 429]
