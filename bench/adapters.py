"""`python -m bench.adapters [--operations N] [--data-dir DIR]`: the sizes of the membership
documents in a seeded data directory, what Cosmos DB would charge for them (bench/cosmos_costs.py),
and the latency of each adapter on the local servers (tests/servers.py): point read,
conditional replace and one-match query on SQLite and Cosmos DB (both layouts), send and
receive + delete on the SQLite queue and Azurite. Prints figures; asserts nothing.

Latency on the local Cosmos DB server (an in-memory Node.js stand-in over HTTPS) and Azurite
says what a call through the SDK and the adapter costs, not what Azure's services answer in.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import cosmos_costs
from bench.documents import _positive, membership
from mosaic.adapters.azure.cosmos_documents import open_cosmos_store
from mosaic.adapters.azure.cosmos_layout import CosmosLayout
from mosaic.adapters.azure.storage_queue import StorageQueue
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.adapters.embedded.queue import SqliteQueue
from mosaic.demo.catalog import PROGRAMS
from mosaic.ports.documents import Container, DocumentStore, JsonDocument
from mosaic.ports.queue import MessageQueue
from mosaic.services.refresh_requests import MembershipRefreshRequest, RefreshReason
from tests.servers import (
    COSMOS_KEY,
    Servers,
    ServerUnavailable,
    azurite_connection_string,
    cosmos_endpoint,
)

OPERATIONS = 300
SIZED_AT_MOST = 20_000
MEMBERSHIPS = Container.MEMBERSHIPS
SYNTHETIC = 1000


@dataclass
class Memberships:
    """The seeded documents' stored sizes (and scalar values: the index terms Cosmos DB writes
    when every path is indexed), and the first few documents, to time operations on."""

    source: str = ""
    sizes: list[int] = field(default_factory=list)
    terms: list[int] = field(default_factory=list)
    sample: list[JsonDocument] = field(default_factory=list)

    def add(self, body: JsonDocument, keep: int) -> None:
        stored = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        self.sizes.append(len(stored.encode()))
        self.terms.append(_scalars(body))
        card = body.get("membership", {}).get("cardNumber")
        if len(self.sample) < keep and isinstance(card, str):
            self.sample.append(body)


def _scalars(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_scalars(item) for item in value.values())
    if isinstance(value, list):
        return sum(_scalars(item) for item in value)
    return 1


def memberships(data_dir: Path, keep: int) -> Memberships:
    """The demo's membership documents in `data_dir` (documents.sqlite, at most SIZED_AT_MOST),
    or synthetic ones of bench/documents.py's shape when it holds none."""
    found = Memberships()
    path = data_dir / "documents.sqlite"
    if path.exists():
        store = SqliteDocumentStore(path)
        try:
            for document in _first(store, SIZED_AT_MOST):
                found.add(document.body, keep)
        finally:
            store.close()
    if found.sizes:
        found.source = f"{len(found.sizes):,} of the seeded demo's (documents.sqlite)"
        return found
    found.source = f"none in {data_dir}: {SYNTHETIC:,} synthetic ones (bench/documents.py)"
    for n in range(SYNTHETIC):
        found.add(membership(n), keep)
    return found


def _first(store: SqliteDocumentStore, limit: int) -> Iterator[Any]:
    seen = 0
    for program in PROGRAMS:
        for document in store.iterate(MEMBERSHIPS, program.code, page_size=500):
            if seen == limit:
                return
            seen += 1
            yield document


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value at least `share` of them do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _size_figures(found: Memberships) -> dict[str, str]:
    sizes, terms = found.sizes, found.terms
    return {
        "membership documents": found.source,
        "membership size p50 / p99 / max (bytes, JSON as stored)": (
            f"{percentile(sizes, 0.5):,} / {percentile(sizes, 0.99):,} / {max(sizes):,} "
            f"(mean {statistics.fmean(sizes):,.0f})"
        ),
        "membership scalar values p50 / p99 (index terms, every path indexed)": (
            f"{percentile(terms, 0.5):,} / {percentile(terms, 0.99):,}"
        ),
    }


def _timed(work: Callable[[int], object], operations: int) -> str:
    """p50 / p99 of `operations` calls of `work(i)`, in milliseconds."""
    seconds = []
    for i in range(operations):
        started = time.perf_counter()
        work(i)
        seconds.append(time.perf_counter() - started)
    return f"{percentile(seconds, 0.5) * 1000:.2f} / {percentile(seconds, 0.99) * 1000:.2f}"


def store_figures(
    name: str, store: DocumentStore, sample: list[JsonDocument], operations: int
) -> dict[str, str]:
    """Point read, conditional replace (on the etag of the last write) and a query matching
    one activation code, each `operations` times over the sample's documents."""
    etags = {body["id"]: store.create(MEMBERSHIPS, body).etag for body in sample}

    def body(i: int) -> JsonDocument:
        return sample[i % len(sample)]

    def replace(i: int) -> None:
        document = body(i)
        etags[document["id"]] = store.replace(
            MEMBERSHIPS, document, if_match=etags[document["id"]]
        ).etag

    def query(i: int) -> None:
        card = body(i)["membership"]["cardNumber"]
        store.query(MEMBERSHIPS, body(i)["program"], equals={"membership.cardNumber": card})

    return {
        f"{name}: point read p50 / p99 (ms)": _timed(
            lambda i: store.read(MEMBERSHIPS, body(i)["program"], body(i)["id"]), operations
        ),
        f"{name}: conditional replace p50 / p99 (ms)": _timed(replace, operations),
        f"{name}: one-match query p50 / p99 (ms)": _timed(query, operations),
    }


def queue_figures(name: str, queue: MessageQueue, operations: int) -> dict[str, str]:
    """Send, then receive + delete one message at a time, as the refresh queue's producers
    and the host's poller do (a membership-refresh message)."""
    queue_name = f"bench-{uuid.uuid4().hex[:12]}"
    message = MembershipRefreshRequest(
        program="SIAM",
        membership_number="SIAM-0000001",
        reason=RefreshReason.LOGIN,
        requested_at=datetime.now(UTC),
    ).model_dump_json(by_alias=True)

    def take(_: int) -> None:
        for received in queue.receive(queue_name, max_messages=1, visibility_timeout=30):
            queue.delete(queue_name, received)

    return {
        f"{name}: send p50 / p99 (ms)": _timed(
            lambda _: queue.send(queue_name, message), operations
        ),
        f"{name}: receive + delete p50 / p99 (ms)": _timed(take, operations),
    }


def _cosmos_figures(
    servers: Servers, sample: list[JsonDocument], operations: int
) -> dict[str, str]:
    endpoint = cosmos_endpoint(servers.cosmos())
    figures: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unverified HTTPS request", Warning)
        for layout in CosmosLayout:
            figures |= _cosmos_layout_figures(endpoint, layout, sample, operations)
    return figures


def _cosmos_layout_figures(
    endpoint: str, layout: CosmosLayout, sample: list[JsonDocument], operations: int
) -> dict[str, str]:
    store = open_cosmos_store(
        endpoint,
        COSMOS_KEY,
        f"bench-{uuid.uuid4().hex[:12]}",
        layout,
        service_expires_items=False,
        connection_verify=False,  # the local server's certificate is self-signed
        enable_endpoint_discovery=False,
    )
    try:
        return store_figures(f"Cosmos DB server ({layout})", store, sample, operations)
    finally:
        store.close()


def _azurite_figures(servers: Servers, operations: int) -> dict[str, str]:
    queue = StorageQueue.from_connection_string(azurite_connection_string(servers.azurite()))
    try:
        return queue_figures("Storage queue (Azurite)", queue, operations)
    finally:
        queue.close()


def _embedded_figures(folder: Path, sample: list[JsonDocument], operations: int) -> dict[str, str]:
    store = SqliteDocumentStore(folder / "documents.sqlite")
    queue = SqliteQueue(folder / "queues.sqlite")
    try:
        return store_figures("SQLite", store, sample, operations) | queue_figures(
            "SQLite queue", queue, operations
        )
    finally:
        store.close()
        queue.close()


def _on_server(what: str, measure: Callable[[], dict[str, str]]) -> dict[str, str]:
    """The figures measured on a local server, or one line saying why there are none."""
    try:
        return measure()
    except ServerUnavailable as error:
        print(f"bench.adapters: no {what} figures: {error}", file=sys.stderr, flush=True)
        return {what: f"not measured: {error}"}


def measure(
    data_dir: Path, operations: int = OPERATIONS, servers: Servers | None = None
) -> dict[str, str]:
    """The figures for `python -m bench`'s report. Starts the local servers unless given
    `servers`, and stops what it started."""
    found = memberships(data_dir, keep=operations)
    mean = statistics.fmean(found.sizes)
    p50, p99 = percentile(found.sizes, 0.5), percentile(found.sizes, 0.99)
    figures = _size_figures(found) | cosmos_costs.figures(mean, p50, p99)
    folder = Path(tempfile.mkdtemp(prefix="bench-adapters-", dir=data_dir))
    started = servers or Servers()
    try:
        figures |= _embedded_figures(folder, found.sample, operations)
        figures |= _on_server(
            "Cosmos DB", lambda: _cosmos_figures(started, found.sample, operations)
        )
        figures |= _on_server("Azurite", lambda: _azurite_figures(started, operations))
    finally:
        if servers is None:
            started.stop_all()
        shutil.rmtree(folder, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.adapters", description=__doc__)
    parser.add_argument("--operations", type=_positive, default=OPERATIONS, metavar="N")
    parser.add_argument("--data-dir", type=Path, help="a seeded data directory (MOSAIC_DATA_DIR)")
    options = parser.parse_args(argv)
    directory = options.data_dir or Path(tempfile.mkdtemp(prefix="mosaic-bench-adapters-"))
    try:
        for what, figure in measure(directory, options.operations).items():
            print(f"  {what}: {figure}", flush=True)
    finally:
        if options.data_dir is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
