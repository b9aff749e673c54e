"""One SQLite file shared by threads and processes: WAL, a busy timeout, explicit transactions."""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

if sys.platform != "win32":
    import fcntl

BUSY_TIMEOUT_SECONDS = 10.0
IDLE_READERS = 8


class _WriterTurn:
    """Whose turn it is to write the file. Threads of a process take turns on a Python lock;
    processes on an exclusive flock of a file beside the database (`<name>-writer`), on
    which a waiting writer sleeps in the kernel until the holder lets go. Without it, a writer
    that finds another process writing is left to SQLite's busy handler, which retries after
    sleeps of 1, 2, 5, 10... ms, holding its own process's turn all the while: with two host
    processes redeeming vouchers, a write then held the file twice as long (bench profile).
    SQLite's own locks still decide; this only queues the writers that use it. (No flock on
    Windows: there the busy handler alone.) A process that dies lets go of its turn (the
    kernel releases its lock, SQLite rolls its write back); one that is stopped (SIGSTOP,
    a debugger) holds it, and the file's writers wait until it runs again or is killed."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._fd = (
            None if sys.platform == "win32" else os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT)
        )

    @contextmanager
    def taken(self) -> Iterator[None]:
        with self._lock:
            self._depth += 1
            try:
                if self._depth == 1 and self._fd is not None and sys.platform != "win32":
                    fcntl.flock(self._fd, fcntl.LOCK_EX)
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None and sys.platform != "win32":
                    fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class SqliteDatabase:
    """Writes go through one connection, one writer at a time (_WriterTurn: no busy-wait
    among threads, nor among processes that use this class). Writes that depend on a read go
    through `transaction()` (BEGIN IMMEDIATE), so the write lock is taken before the read and
    no other writer can slip in between.

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
        self._turn = _WriterTurn(path)
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
        with self._turn.taken():
            yield self._connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._turn.taken():
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
    def reader(self, *, snapshot: bool = True) -> Iterator[sqlite3.Connection]:
        """A read-only connection of the pool, in one read transaction: the statements run in
        it see one snapshot. Fetch what you need inside; decode it outside.

        `snapshot=False` for a single statement, which SQLite runs in a read transaction of
        its own: no BEGIN and COMMIT around it (two statements less, on a path as hot as a
        point read). Fetch all of its rows: a statement stepped to its end is reset, so the
        connection does not keep its snapshot for the next one."""
        with self._readers_lock:
            connection = self._readers.pop() if self._readers else None
        if connection is None:
            connection = self._open()
            connection.execute("PRAGMA query_only = ON")
        try:
            if snapshot:
                connection.execute("BEGIN")
            yield connection
            if snapshot:
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
        with self._turn.taken(), self._readers_lock:
            self._closed = True
            for reader in self._readers:
                reader.close()
            self._readers.clear()
            self._connection.close()
        self._turn.close()
