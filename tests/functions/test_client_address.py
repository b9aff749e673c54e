import azure.functions as func
import pytest

from mosaic.functions.http import client_address
from mosaic.settings import get_settings


def _request(forwarded_for: str | None) -> func.HttpRequest:
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for is not None else {}
    return func.HttpRequest(method="POST", url="http://h/api/x", headers=headers, body=b"")


@pytest.fixture
def proxy_hops(monkeypatch):
    def set_hops(hops: int) -> None:
        monkeypatch.setenv("MOSAIC_TRUSTED_PROXY_HOPS", str(hops))
        get_settings.cache_clear()

    yield set_hops
    get_settings.cache_clear()


def test_the_front_ends_entry_wins_over_what_the_client_wrote(proxy_hops):
    proxy_hops(0)
    assert client_address(_request("6.6.6.6, 203.0.113.9")) == "203.0.113.9"


def test_behind_front_door_the_entry_before_its_own_is_the_client(proxy_hops):
    proxy_hops(1)
    assert client_address(_request("6.6.6.6, 203.0.113.9, 10.1.2.3")) == "203.0.113.9"


def test_more_hops_than_entries_takes_the_first(proxy_hops):
    proxy_hops(3)
    assert client_address(_request("203.0.113.9")) == "203.0.113.9"


def test_no_header_is_no_client_rather_than_one_shared_unknown_client(proxy_hops):
    proxy_hops(0)
    assert client_address(_request(None)) is None
    assert client_address(_request(" , ")) is None
