"""Session-wide: the real servers (Azurite, the Cosmos DB server, PostgreSQL) some suites run
against, each started on first use and stopped when the session ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import Servers


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    started = Servers()
    yield started
    started.stop_all()
