"""One SQLite file shared by threads and processes: WAL, a busy timeout, explicit transactions."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_SECONDS = 10.0


class SqliteDatabase:
    """A lock-guarded connection: threads of a process take turns, processes rely on SQLite's
    file locks. Writes that depend on a read go through `transaction()` (BEGIN IMMEDIATE), so
    the write lock is taken before the read and no other writer can slip in between."""

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
        self._lock = threading.RLock()
        self._connection = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        with self.transaction() as connection:
            if migrate is not None:
                migrate(connection)
            for statement in schema:
                connection.execute(statement)

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

    def close(self) -> None:
        with self._lock:
            self._connection.close()
