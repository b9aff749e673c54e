"""`python -m bench.documents [--documents N]`: fill a fresh embedded document store with N
membership-shaped documents (about 3.4 KB each, 80% of them active) and time its queries.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.ports.documents import Container, JsonDocument, OrderBy, Where

PROGRAM = "BENCH"
MEMBERSHIPS = Container.MEMBERSHIPS
ACTIVE = [Where("membership.status", "=", "active")]
STATUSES = ["expired", "active", "active", "active", "active"]  # 80% active
THREADS = 8


def membership(n: int) -> JsonDocument:
    """A membership document of about 3.4 KB, shaped as section 3 of the design has it."""
    rng = random.Random(n)
    day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return {
        "id": f"{PROGRAM}-{n:07d}",
        "program": PROGRAM,
        "meta": {
            "membershipNumber": f"{PROGRAM}-{n:07d}",
            "mode": "full" if n % 10 else "invitee",
            "lastUpdate": f"{day}T08:00:00+07:00",
            "lastRefresh": f"{day}T08:00:00+07:00",
            "sorVersion": f"{day}T07:59:00+07:00",
            "schemaVersion": 3,
        },
        "membership": {
            "activationCode": f"{n:07d}",
            "cardNumber": f"4{n:011d}",
            "memberName": f"Member {n}",
            "email": f"member{n}@example.com",
            "phone": f"+66{n:09d}",
            "package": rng.choice(["classic", "signature", "elite"]),
            "status": STATUSES[n % 5],
            "startDate": "2024-01-01",
            "expiryDate": "2025-01-01",
        },
        "devices": [{"platform": "ios", "model": "iPhone15,2", "deviceId": f"d-{n}"}],
        "trackingTransactions": [
            {
                "hotel": f"H{rng.randint(1, 40):02d}",
                "outlet": "O1",
                "amount": rng.randint(100, 9000),
            }
            for _ in range(12)
        ],
        "staticVouchers": [
            {
                "code": f"{rng.randint(0, 999_999_999):09d}",
                "type": rng.choice(["food", "room", "spa"]),
                "validFrom": "2024-01-01",
                "validTo": "2025-01-01",
                "status": "issued",
                "redemptions": [],
            }
            for _ in range(15)
        ],
        "counters": {"tracking": 12, "reservations": 2, "fnbSpend": 48_200, "roomSpend": 91_000},
        "loyalty": {
            "balance": rng.randint(0, 400),
            "tier": rng.choice(["classic", "silver", "gold"]),
            "nextExpiry": f"{day}T23:59:59+07:00",
            "nextDue": f"{day}T17:00:00Z",
            "ledger": [
                {"kind": "earn", "points": rng.randint(1, 40), "reference": f"B{n}-{i}"}
                for i in range(6)
            ],
        },
    }


def _milliseconds(work: Callable[[], Any], repeat: int = 5) -> float:
    """The median of `repeat` runs, in milliseconds."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def _reset_peak_rss() -> None:
    """Linux lets a process reset its peak RSS (VmHWM): 5 to /proc/self/clear_refs."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _concurrent_reads(store: SqliteDocumentStore, documents: int, seconds: float) -> float:
    """Point reads per second from THREADS threads over one store."""
    done, stop = [0] * THREADS, time.perf_counter() + seconds

    def work(thread: int) -> None:
        rng = random.Random(thread)
        while time.perf_counter() < stop:
            store.read(MEMBERSHIPS, PROGRAM, f"{PROGRAM}-{rng.randrange(documents):07d}")
            done[thread] += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def _fill(store: SqliteDocumentStore, documents: int) -> Iterator[tuple[str, str]]:
    started = time.perf_counter()
    for n in range(documents):
        store.create(MEMBERSHIPS, membership(n))
    elapsed = time.perf_counter() - started
    yield "fill: create one at a time", f"{elapsed:.1f} s ({elapsed / documents * 1e6:.0f} us each)"


def _queries(store: SqliteDocumentStore, documents: int) -> Iterator[tuple[str, str]]:
    one = [Where("membership.cardNumber", "=", f"4{documents // 2:011d}")]
    by_expiry = OrderBy("loyalty.nextDue", descending=True)
    active = store.count(MEMBERSHIPS, PROGRAM, where=ACTIVE)
    timed: list[tuple[str, Callable[[], object]]] = [
        ("query, 1 match (cardNumber =)", lambda: store.query(MEMBERSHIPS, PROGRAM, where=one)),
        (
            f"first page of 100 of {active:,} matches (status =)",
            lambda: store.page(MEMBERSHIPS, PROGRAM, where=ACTIVE, page_size=100),
        ),
        (
            "same, ordered by nextDue descending",
            lambda: store.page(MEMBERSHIPS, PROGRAM, where=ACTIVE, order_by=by_expiry),
        ),
        (f"count of {active:,} matches", lambda: store.count(MEMBERSHIPS, PROGRAM, where=ACTIVE)),
    ]
    for what, work in timed:
        yield what, f"{_milliseconds(work):.2f} ms"


def _stream(store: SqliteDocumentStore) -> Iterator[tuple[str, str]]:
    _reset_peak_rss()
    before = _peak_rss_mib()
    started = time.perf_counter()
    streamed = sum(1 for _ in store.iterate(MEMBERSHIPS, PROGRAM, where=ACTIVE, page_size=100))
    elapsed = time.perf_counter() - started
    yield f"iterate all {streamed:,} matches, pages of 100", f"{elapsed:.2f} s"
    yield "  peak RSS while iterating", f"{_peak_rss_mib()} MiB (before: {before} MiB)"


def figures(
    directory: Path, documents: int, read_seconds: float = 3.0
) -> Iterator[tuple[str, str]]:
    """(what, figure) pairs, each measured as it is asked for."""
    store = SqliteDocumentStore(directory / "documents.sqlite")
    try:
        yield from _fill(store, documents)
        size = sum(file.stat().st_size for file in directory.glob("documents.sqlite*"))
        yield "file size (with its WAL)", f"{size / 2**20:.0f} MiB"
        yield from _queries(store, documents)
        yield from _stream(store)
        reads = _concurrent_reads(store, documents, read_seconds)
        yield f"point reads, {THREADS} threads", f"{reads:,.0f} /s"
    finally:
        store.close()


def measure(directory: Path, documents: int = 100_000) -> dict[str, str]:
    """The figures for `python -m bench`'s report, measured in a folder of `directory`."""
    folder = directory / "bench-documents"
    folder.mkdir()
    try:
        return dict(figures(folder, documents))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.documents", description=__doc__)
    parser.add_argument("--documents", type=_positive, default=100_000, metavar="N")
    options = parser.parse_args(argv)
    directory = Path(tempfile.mkdtemp(prefix="mosaic-bench-documents-"))
    try:
        print(f"{options.documents:,} membership documents in {directory}")
        for what, figure in figures(directory, options.documents):
            print(f"  {what:<46} {figure}", flush=True)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
