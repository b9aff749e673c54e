"""One SQLite file shared by threads and processes: WAL, a busy timeout, explicit transactions."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_SECONDS = 10.0
IDLE_READERS = 8


class SqliteDatabase:
    """Writes go through one lock-guarded connection: threads of a process take turns on a
    Python lock (no busy-wait), processes rely on SQLite's file locks. Writes that depend on a
    read go through `transaction()` (BEGIN IMMEDIATE), so the write lock is taken before the
    read and no other writer can slip in between.

    Reads may instead take a `reader()`: a connection of their own from a small pool. In WAL
    mode a reader sees the last commit and waits neither for the writer nor for other readers,
    so reading threads run side by side (sqlite3 releases the GIL while SQLite works)."""

    def __init__(
        self,
        path: Path,
        schema: Iterable[str],
        *,
        migrate: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        """Opens the file and, in one transaction, runs `migrate` (which brings a file of an
        older layout up to date) and then the `schema` statements (each idempotent)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._lock = threading.RLock()
        self._connection = self._open()
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        with self.transaction() as connection:
            if migrate is not None:
                migrate(connection)
            for statement in schema:
                connection.execute(statement)

    def _open(self) -> sqlite3.Connection:
        return sqlite3.connect(
            self._path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """The connection for statements that stand alone (autocommit)."""
        with self._lock:
            yield self._connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            connection = self._connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection of the pool, in one read transaction: the statements run in
        it see one snapshot. Fetch what you need inside; decode it outside."""
        with self._readers_lock:
            connection = self._readers.pop() if self._readers else None
        if connection is None:
            connection = self._open()
            connection.execute("PRAGMA query_only = ON")
        try:
            connection.execute("BEGIN")
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            connection.close()  # whatever state it is in, it is not handed out again
            raise
        with self._readers_lock:
            if not self._closed and len(self._readers) < IDLE_READERS:
                self._readers.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock, self._readers_lock:
            self._closed = True
            for reader in self._readers:
                reader.close()
            self._readers.clear()
            self._connection.close()
