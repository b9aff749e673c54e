"""Session-wide: the real servers (Azurite, the Cosmos DB server, PostgreSQL) some suites run
against, each started on first use and stopped when the session ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import Servers


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("embedded", "azure"),
        default="embedded",
        help="the backend the HTTP suite (tests/functions) runs the app on: embedded SQLite, "
        "or the Azure adapters on the local servers (Azurite, the Cosmos DB server, the "
        "AI Search stand-in)",
    )


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    started = Servers()
    yield started
    started.stop_all()
