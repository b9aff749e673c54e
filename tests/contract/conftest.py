"""One fixture per port, parametrized by adapter: a new backend is one more entry per dict.

Each `open_*` fixture is a factory: every call opens one more adapter on the same backend (for
SQLite, the same file; for Cosmos DB, the same database), as the local host and the CLI do
from two processes. Document stores take the test's `clock`, which a test advances to see
documents expire, and what the session shares (servers, clients). Queues take the session's
`servers` (Azurite, started on first use); a test's own names keep it apart there. The system
of record is one engine, built as the app builds it, on an SoR database of each kind (tables,
no rows).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol, TypeVar

import pytest
import sqlalchemy as sa
from azure.core.credentials import AzureKeyCredential
from azure.cosmos import CosmosClient

from mosaic.adapters.azure.cosmos_documents import CosmosDocumentStore
from mosaic.adapters.azure.cosmos_layout import CosmosLayout
from mosaic.adapters.azure.search import AzureSearchIndex
from mosaic.adapters.azure.storage_queue import StorageQueue
from mosaic.adapters.azure.webhook_notifier import WebhookNotifier
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.adapters.embedded.notifier import OutboxNotifier
from mosaic.adapters.embedded.queue import SqliteQueue
from mosaic.adapters.embedded.search import SqliteSearchIndex
from mosaic.adapters.sor.sql import SqlSystemOfRecord
from mosaic.bootstrap import sor_engine
from mosaic.ports.documents import DocumentStore
from mosaic.ports.notifier import Notifier
from mosaic.ports.queue import MessageQueue
from mosaic.ports.search import SearchIndex
from mosaic.ports.sor import SystemOfRecord
from mosaic.settings import Settings
from tests.servers import COSMOS_KEY, Servers, azurite_connection_string, cosmos_endpoint, free_port
from tests.sor_databases import postgres_sor, sqlite_sor, unopenable_sqlite_url
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
SYSTEMS_OF_RECORD: dict[str, Callable[[Path, Servers], AbstractContextManager[str]]] = {
    "sqlite": lambda directory, servers: sqlite_sor(directory),
    "postgresql": lambda directory, servers: postgres_sor(servers.postgres()),
}
"""The URL of an SoR database of each kind, its tables and no rows, for the test's duration."""
UNREACHABLE_SYSTEMS_OF_RECORD: dict[str, Callable[[Path], str]] = {
    "sqlite": lambda directory: unopenable_sqlite_url(directory),
    "postgresql": lambda directory: f"postgresql+psycopg://app@127.0.0.1:{free_port()}/sor",
    "oracle": lambda directory: (
        f"oracle+oracledb://mosaic:secret@127.0.0.1:{free_port()}/?service_name=SOR"
    ),
}
"""The URL of an SoR that cannot be reached: a closed port (python-oracledb in thin mode, as
the app runs it, answers `DPY-6005`), or a SQLite path that cannot be opened."""


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


@pytest.fixture(params=sorted(SYSTEMS_OF_RECORD))
def sor_database(
    request: pytest.FixtureRequest, tmp_path: Path, servers: Servers
) -> Iterator[sa.Engine]:
    """An SoR with its tables and no rows, behind the engine bootstrap builds for its URL."""
    with SYSTEMS_OF_RECORD[request.param](tmp_path, servers) as url:
        engine = sor_engine(Settings(sor_url=url))
        yield engine
        engine.dispose()


@pytest.fixture
def sor(sor_database: sa.Engine) -> SystemOfRecord:
    return SqlSystemOfRecord(sor_database)


@pytest.fixture(params=sorted(UNREACHABLE_SYSTEMS_OF_RECORD))
def unreachable_sor(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SystemOfRecord]:
    url = UNREACHABLE_SYSTEMS_OF_RECORD[request.param](tmp_path)
    engine = sor_engine(Settings(sor_url=url, sor_probe_timeout_seconds=5))
    yield SqlSystemOfRecord(engine)
    engine.dispose()


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
