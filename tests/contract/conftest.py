"""One fixture per port, parametrized by adapter: a new backend is one more entry per dict.

Each `open_*` fixture is a factory: every call opens one more client on the same backend (for
SQLite, the same file), as the local host and the CLI do from two processes. Document stores
take the test's `clock`, which a test advances to see documents expire. Queues take the
session's `servers` (Azurite, started on first use); a test's own names keep it apart there.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import pytest
from azure.core.credentials import AzureKeyCredential

from mosaic.adapters.azure.search import AzureSearchIndex
from mosaic.adapters.azure.storage_queue import StorageQueue
from mosaic.adapters.azure.webhook_notifier import WebhookNotifier
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.adapters.embedded.notifier import OutboxNotifier
from mosaic.adapters.embedded.queue import SqliteQueue
from mosaic.adapters.embedded.search import SqliteSearchIndex
from mosaic.ports.documents import DocumentStore
from mosaic.ports.notifier import Notifier
from mosaic.ports.queue import MessageQueue
from mosaic.ports.search import SearchIndex
from tests.servers import Servers, azurite_connection_string
from tests.webhook_receiver import SECRET, shared_receiver, stop_shared_receiver


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


DOCUMENT_STORES: dict[str, Callable[[Path, Clock], Closable]] = {
    "sqlite": lambda directory, clock: SqliteDocumentStore(directory / "documents.db", clock),
}
QUEUES: dict[str, Callable[[Path, Servers], Closable]] = {
    "sqlite": lambda directory, servers: SqliteQueue(directory / "queues.db"),
    "azurite": lambda directory, servers: StorageQueue.from_connection_string(
        azurite_connection_string(servers.azurite())
    ),
}


def _azure_search(directory: Path, servers: Servers) -> AzureSearchIndex:
    """One index per test (named after its directory) on the session's stand-in."""
    standin = servers.search()
    name = "contract-" + hashlib.sha256(str(directory).encode()).hexdigest()[:24]
    return AzureSearchIndex(standin.endpoint, AzureKeyCredential(standin.key), name)


SEARCH_INDEXES: dict[str, Callable[[Path, Servers], Closable]] = {
    "sqlite": lambda directory, servers: SqliteSearchIndex(directory / "search.db"),
    "azure-search": _azure_search,
}
NOTIFIERS: dict[str, Callable[[Path], Closable]] = {
    "sqlite": lambda directory: OutboxNotifier(directory / "outbox.db"),
    # A local provider endpoint that checks signatures and dedupes by Idempotency-Key.
    "webhook": lambda directory: WebhookNotifier(shared_receiver().url, SECRET),
}


def _opener(build: Callable[[Path], T], directory: Path) -> Iterator[Callable[[], T]]:
    opened: list[T] = []

    def open_one() -> T:
        opened.append(build(directory))
        return opened[-1]

    yield open_one
    for adapter in opened:
        adapter.close()


@pytest.fixture(scope="session", autouse=True)
def _stop_webhook_receiver() -> Iterator[None]:
    yield
    stop_shared_receiver()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=sorted(DOCUMENT_STORES))
def open_store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock
) -> Iterator[Callable[[], Closable]]:
    build = DOCUMENT_STORES[request.param]
    yield from _opener(lambda directory: build(directory, clock), tmp_path)


@pytest.fixture
def store(open_store: Callable[[], DocumentStore]) -> DocumentStore:
    return open_store()


@pytest.fixture(params=sorted(QUEUES))
def open_queue(
    request: pytest.FixtureRequest, tmp_path: Path, servers: Servers
) -> Iterator[Callable[[], Closable]]:
    build = QUEUES[request.param]
    yield from _opener(lambda directory: build(directory, servers), tmp_path)


@pytest.fixture
def queue(open_queue: Callable[[], MessageQueue]) -> MessageQueue:
    return open_queue()


@pytest.fixture(params=sorted(SEARCH_INDEXES))
def open_index(
    request: pytest.FixtureRequest, tmp_path: Path, servers: Servers
) -> Iterator[Callable[[], Closable]]:
    build = SEARCH_INDEXES[request.param]
    yield from _opener(lambda directory: build(directory, servers), tmp_path)


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
