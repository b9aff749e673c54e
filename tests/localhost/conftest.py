from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.localhost import LocalHost


@pytest.fixture
def open_store(tmp_path: Path) -> Iterator[Callable[[], SqliteDocumentStore]]:
    """Clients of one document store file, as several hosts on one data directory have."""
    opened: list[SqliteDocumentStore] = []

    def open_one() -> SqliteDocumentStore:
        opened.append(SqliteDocumentStore(tmp_path / "documents.sqlite"))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


def run_lifespans(hosts: list[LocalHost], until: Callable[[], bool], timeout: float) -> None:
    """Run the hosts' lifespans together, wait for the condition (or the timeout), stop."""

    async def run() -> None:
        async with asyncio.TaskGroup() as group:
            for host in hosts:
                group.create_task(_run(host))

    async def _run(host: LocalHost) -> None:
        async with host.running():
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not until():
                await asyncio.sleep(0.05)

    asyncio.run(run())
