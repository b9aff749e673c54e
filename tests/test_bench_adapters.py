import json
from pathlib import Path

import pytest

from bench.adapters import measure
from bench.cosmos_costs import Redemption, figures
from bench.documents import membership
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.ports.documents import Container
from tests.servers import Server, Servers, ServerUnavailable

LATENCIES = [
    f"{adapter}: {operation} p50 / p99 (ms)"
    for adapter, operations in [
        ("SQLite", ("point read", "conditional replace", "one-match query")),
        ("Cosmos DB server (program)", ("point read", "conditional replace", "one-match query")),
        (
            "Cosmos DB server (hierarchical)",
            ("point read", "conditional replace", "one-match query"),
        ),
        ("SQLite queue", ("send", "receive + delete")),
        ("Storage queue (Azurite)", ("send", "receive + delete")),
    ]
    for operation in operations
]


def _p50_p99(figure: str) -> tuple[float, float]:
    p50, p99 = (float(part) for part in figure.split(" / "))
    return p50, p99


def test_every_adapter_is_timed_on_the_local_servers(tmp_path: Path, servers: Servers) -> None:
    report = measure(tmp_path, operations=5, servers=servers)

    assert sorted(what for what in report if what.endswith("p50 / p99 (ms)")) == sorted(LATENCIES)
    for what in LATENCIES:
        p50, p99 = _p50_p99(report[what])
        assert 0 < p50 <= p99, what
    assert list(tmp_path.iterdir()) == []


def test_sizes_are_those_of_the_seeded_memberships_as_stored(
    tmp_path: Path, servers: Servers
) -> None:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite")
    bodies = [membership(n) | {"id": f"SIAM-{n:07d}", "program": "SIAM"} for n in range(3)]
    for body in bodies:
        store.create(Container.MEMBERSHIPS, body)
    store.close()
    largest = max(len(json.dumps(b, separators=(",", ":")).encode()) for b in bodies)

    report = measure(tmp_path, operations=2, servers=servers)

    assert report["membership documents"] == "3 of the seeded demo's (documents.sqlite)"
    sizes = report["membership size p50 / p99 / max (bytes, JSON as stored)"]
    assert sizes.split(" / ")[2].startswith(f"{largest:,} ")


class _NoNodeServers(Servers):
    def get(self, name: str, start: object) -> Server:
        raise ServerUnavailable("node_modules/.bin/cosmosdb-server is missing: run `make install`")


def test_without_the_local_servers_it_says_so_and_keeps_the_embedded_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = measure(tmp_path, operations=2, servers=_NoNodeServers())

    assert report["Cosmos DB"].startswith("not measured: node_modules/.bin/cosmosdb-server")
    assert report["Azurite"].startswith("not measured:")
    assert "SQLite: point read p50 / p99 (ms)" in report
    assert "bench.adapters: no Cosmos DB figures" in capsys.readouterr().err


def test_a_redemption_reads_and_replaces_the_membership_and_creates_two_small_documents() -> None:
    redemption = Redemption(membership_bytes=3 * 1024 + 1, write_ru_per_kb=5)

    assert (redemption.read, redemption.replace, redemption.small_creates) == (4, 20, 10)
    assert redemption.total == 34


def test_a_program_too_large_for_one_logical_partition_is_told_to_use_the_hierarchical_key() -> (
    None
):
    small = figures(mean_bytes=3_000, p50_bytes=3_000, p99_bytes=5_000)
    large = figures(mean_bytes=30_000, p50_bytes=30_000, p99_bytes=50_000)

    partition = next(what for what in small if what.startswith("one logical partition"))
    assert small[partition].endswith("fit")
    assert large[partition].endswith("need MOSAIC_COSMOS_LAYOUT=hierarchical")
