"""One SQLite file shared by writers of several processes: they take turns (a kernel lock)
instead of polling SQLite's lock; a single-statement read keeps no snapshot."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mosaic.adapters.embedded import sqlite as embedded_sqlite
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.adapters.embedded.sqlite import SqliteDatabase
from mosaic.ports.documents import Container

SCHEMA = ("CREATE TABLE IF NOT EXISTS notes (n INTEGER)",)
HELD_SECONDS = 0.3


@pytest.mark.skipif(sys.platform == "win32", reason="no flock on Windows: SQLite's busy handler")
def test_a_writer_of_another_process_waits_its_turn_instead_of_failing_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A busy handler this short would fail the second writer while the first holds the file:
    # it succeeds because it waits on the writer lock file, not on SQLite's lock.
    monkeypatch.setattr(embedded_sqlite, "BUSY_TIMEOUT_SECONDS", 0.05)
    path = tmp_path / "shared.sqlite"
    first, second = SqliteDatabase(path, SCHEMA), SqliteDatabase(path, SCHEMA)  # two opens
    holding = threading.Event()

    def hold_the_file() -> None:
        with first.transaction() as connection:
            connection.execute("INSERT INTO notes VALUES (1)")
            holding.set()
            time.sleep(HELD_SECONDS)

    holder = threading.Thread(target=hold_the_file)
    holder.start()
    assert holding.wait(5)
    started = time.monotonic()
    with second.connect() as connection:
        connection.execute("INSERT INTO notes VALUES (2)")
    waited = time.monotonic() - started
    holder.join()

    assert waited >= HELD_SECONDS / 2
    with second.reader() as connection:
        assert connection.execute("SELECT n FROM notes ORDER BY n").fetchall() == [(1,), (2,)]
    assert (tmp_path / "shared.sqlite-writer").exists()
    first.close()
    second.close()


def test_a_point_read_sees_every_write_made_since_the_previous_one(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite")
    written = store.create(Container.SYSTEM, {"id": "x", "program": "P", "n": 0})
    for n in range(1, 4):
        assert store.read(Container.SYSTEM, "P", "x").body["n"] == n - 1  # a pooled reader
        written = store.replace(
            Container.SYSTEM, {"id": "x", "program": "P", "n": n}, if_match=written.etag
        )
    assert store.read(Container.SYSTEM, "P", "x") == written
    store.close()


HOLDER = """
import sys, time
from pathlib import Path
from mosaic.adapters.embedded.sqlite import SqliteDatabase
database = SqliteDatabase(Path(sys.argv[1]), ("CREATE TABLE IF NOT EXISTS notes (n INTEGER)",))
with database.transaction() as connection:
    connection.execute("INSERT INTO notes VALUES (99)")
    print("holding", flush=True)
    time.sleep(60)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="no flock on Windows: SQLite's busy handler")
def test_a_writer_killed_mid_write_lets_go_of_its_turn_and_its_write_is_undone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.sqlite"
    database = SqliteDatabase(path, SCHEMA)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"

    holder.kill()
    holder.wait(10)
    started = time.monotonic()
    with database.connect() as connection:
        connection.execute("INSERT INTO notes VALUES (1)")
    waited = time.monotonic() - started

    assert waited < 2
    with database.reader() as connection:
        assert connection.execute("SELECT n FROM notes").fetchall() == [(1,)]
    database.close()
