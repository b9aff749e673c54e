from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mosaic import bootstrap
from mosaic.localhost import build_asgi_app, serving_in_thread
from mosaic.services.backends import Backends
from mosaic.settings import get_settings
from tests.azure_backend import azure_settings
from tests.factories import NOW, SECRET, insert_member, sor_engine

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_backends(tmp_path, monkeypatch, request, servers) -> Iterator[Backends]:
    """The app's own bootstrap, pointed at a fresh data directory and a SoR with one member;
    with `--backend azure`, at the Azure adapters on the session's local servers."""
    insert_member(sor_engine(tmp_path))
    if request.config.getoption("--backend") == "azure":
        for name, value in azure_settings(servers).items():
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("MOSAIC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MOSAIC_SOR_URL", f"sqlite:///{tmp_path / 'sor.sqlite'}")
    monkeypatch.setenv("MOSAIC_NOW", NOW.isoformat())
    monkeypatch.setenv("MOSAIC_TOKEN_SECRET", SECRET)
    monkeypatch.setenv("MOSAIC_LOGIN_FAILURES_ALLOWED", "3")
    monkeypatch.setenv("MOSAIC_REFRESH_COALESCE_SECONDS", "0")  # every login queues a refresh
    get_settings.cache_clear()
    bootstrap.backends.cache_clear()
    backends = bootstrap.backends()
    yield backends
    get_settings.cache_clear()
    bootstrap.backends.cache_clear()
    close = getattr(backends.documents, "close", None)
    if close is not None:
        close()  # a Cosmos DB client's connections


@pytest.fixture
def client(app_backends: Backends) -> Iterator[httpx.Client]:
    """An HTTP client of function_app served by the local host, queues polled, no timers."""
    from function_app import app

    asgi = build_asgi_app(app, queue=app_backends.queue, host_json=ROOT / "host.json", timers=False)
    with serving_in_thread(asgi) as base_url, httpx.Client(base_url=base_url, timeout=10) as http:
        yield http


@pytest.fixture
def admin(app_backends: Backends) -> dict[str, str]:
    """The headers of an operator: the admin key the app was started with."""
    return {"X-Admin-Key": bootstrap.admin_key()}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem of `status`; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    return problem
