"""One fixture per port, parametrized by adapter: a new backend is one more entry per dict.

Each `open_*` fixture is a factory: every call opens one more adapter on the same backend (for
SQLite, the same file; for Cosmos DB, the same database), as the local host and the CLI do
from two processes. Document stores take the test's `clock`, which a test advances to see
documents expire, and what the session shares (servers, clients).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import pytest
from azure.cosmos import CosmosClient

from mosaic.adapters.azure.cosmos_documents import CosmosDocumentStore
from mosaic.adapters.azure.cosmos_layout import CosmosLayout
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.adapters.embedded.notifier import OutboxNotifier
from mosaic.adapters.embedded.queue import SqliteQueue
from mosaic.adapters.embedded.search import SqliteSearchIndex
from mosaic.ports.documents import DocumentStore
from mosaic.ports.notifier import Notifier
from mosaic.ports.queue import MessageQueue
from mosaic.ports.search import SearchIndex
from tests.servers import COSMOS_KEY, Servers, cosmos_endpoint


class Closable(Protocol):
    def close(self) -> None: ...


T = TypeVar("T", bound=Closable)


class Clock:
    """A time source that stands still until a test advances it."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Shared:
    """What every adapter of the session shares: the servers, and one Cosmos DB client, as
    a process has one (bootstrap builds it once)."""

    def __init__(self, servers: Servers) -> None:
        self.servers = servers
        self._cosmos: CosmosClient | None = None

    def cosmos(self) -> CosmosClient:
        if self._cosmos is None:
            self._cosmos = CosmosClient(
                cosmos_endpoint(self.servers.cosmos()),
                COSMOS_KEY,
                connection_verify=False,  # the local server's certificate is self-signed
                enable_endpoint_discovery=False,  # one endpoint: no retry elsewhere on a 500
            )
        return self._cosmos

    def close(self) -> None:
        if self._cosmos is not None:
            self._cosmos.close()


def cosmos_store(directory: Path, clock: Clock, shared: Shared, layout: CosmosLayout) -> Closable:
    """A store in a database of the test's own (its name kept in the test's directory) on
    the session's Cosmos DB server. The server does not expire items (a stand-in gap): the
    store is told so, and hides and purges expired items itself."""
    name = directory / "cosmos-database"
    if not name.exists():
        name.write_text(f"test-{uuid.uuid4().hex}")
    return CosmosDocumentStore(
        shared.cosmos(), name.read_text(), layout, clock, service_expires_items=False
    )


DOCUMENT_STORES: dict[str, Callable[[Path, Clock, Shared], Closable]] = {
    "sqlite": lambda directory, clock, _: SqliteDocumentStore(directory / "documents.db", clock),
    "cosmos": lambda directory, clock, shared: cosmos_store(
        directory, clock, shared, CosmosLayout.PROGRAM
    ),
    "cosmos-hierarchical": lambda directory, clock, shared: cosmos_store(
        directory, clock, shared, CosmosLayout.HIERARCHICAL
    ),
}
QUEUES: dict[str, Callable[[Path], Closable]] = {
    "sqlite": lambda directory: SqliteQueue(directory / "queues.db"),
}
SEARCH_INDEXES: dict[str, Callable[[Path], Closable]] = {
    "sqlite": lambda directory: SqliteSearchIndex(directory / "search.db"),
}
NOTIFIERS: dict[str, Callable[[Path], Closable]] = {
    "sqlite": lambda directory: OutboxNotifier(directory / "outbox.db"),
}


def _opener(build: Callable[[Path], T], directory: Path) -> Iterator[Callable[[], T]]:
    opened: list[T] = []

    def open_one() -> T:
        opened.append(build(directory))
        return opened[-1]

    yield open_one
    for adapter in opened:
        adapter.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def shared(servers: Servers) -> Iterator[Shared]:
    session = Shared(servers)
    yield session
    session.close()


@pytest.fixture(params=sorted(DOCUMENT_STORES))
def open_store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock, shared: Shared
) -> Iterator[Callable[[], Closable]]:
    build = DOCUMENT_STORES[request.param]
    yield from _opener(lambda directory: build(directory, clock, shared), tmp_path)


@pytest.fixture
def store(open_store: Callable[[], DocumentStore]) -> DocumentStore:
    return open_store()


@pytest.fixture(params=sorted(QUEUES))
def open_queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Closable]]:
    yield from _opener(QUEUES[request.param], tmp_path)


@pytest.fixture
def queue(open_queue: Callable[[], MessageQueue]) -> MessageQueue:
    return open_queue()


@pytest.fixture(params=sorted(SEARCH_INDEXES))
def open_index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Closable]]:
    yield from _opener(SEARCH_INDEXES[request.param], tmp_path)


@pytest.fixture
def index(open_index: Callable[[], SearchIndex]) -> SearchIndex:
    return open_index()


@pytest.fixture(params=sorted(NOTIFIERS))
def open_notifier(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], Closable]]:
    yield from _opener(NOTIFIERS[request.param], tmp_path)


@pytest.fixture
def notifier(open_notifier: Callable[[], Notifier]) -> Notifier:
    return open_notifier()


# Unique names keep tests apart on a shared emulator (Azurite, the Cosmos DB server).
@pytest.fixture
def program() -> str:
    return f"T{uuid.uuid4().hex[:8].upper()}"


@pytest.fixture
def other_program() -> str:
    return f"U{uuid.uuid4().hex[:8].upper()}"


@pytest.fixture
def queue_name() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"
