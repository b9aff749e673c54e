"""Message queues on one SQLite table, with Azure Storage Queue semantics."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mosaic.adapters.embedded.sqlite import SqliteDatabase
from mosaic.ports.queue import (
    MAX_BATCH,
    SEVEN_DAYS,
    MessageLost,
    QueuedMessage,
    check_body,
    check_queue_name,
    check_range,
)

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        queue TEXT NOT NULL,
        id TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        inserted_at REAL NOT NULL,
        visible_at REAL NOT NULL,
        dequeue_count INTEGER NOT NULL DEFAULT 0,
        pop_receipt TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS messages_visible ON messages (queue, visible_at)",
)
_COLUMNS = "id, body, dequeue_count, pop_receipt, inserted_at"


class SqliteQueue:
    def __init__(self, path: Path, time_source: Callable[[], float] = time.time) -> None:
        self._db = SqliteDatabase(path, _SCHEMA)
        self._now = time_source

    def close(self) -> None:
        self._db.close()

    def send(self, queue: str, body: str, *, delay_seconds: int = 0) -> str:
        check_queue_name(queue)
        check_range("delay_seconds", delay_seconds, 0, SEVEN_DAYS)
        check_body(body)
        id, now = str(uuid.uuid4()), self._now()
        with self._db.connect() as connection:
            connection.execute(
                "INSERT INTO messages (queue, id, body, inserted_at, visible_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (queue, id, body, now, now + delay_seconds),
            )
        return id

    def receive(
        self, queue: str, *, max_messages: int, visibility_timeout: int
    ) -> list[QueuedMessage]:
        check_queue_name(queue)
        check_range("max_messages", max_messages, 1, MAX_BATCH)
        check_range("visibility_timeout", visibility_timeout, 1, SEVEN_DAYS)
        now = self._now()
        with self._db.transaction() as connection:
            ids = [
                row[0]
                for row in connection.execute(
                    "SELECT id FROM messages WHERE queue = ? AND visible_at <= ? "
                    "ORDER BY inserted_at, seq LIMIT ?",
                    (queue, now, max_messages),
                )
            ]
            claimed = []
            for id in ids:
                row = connection.execute(
                    "UPDATE messages SET dequeue_count = dequeue_count + 1, pop_receipt = ?, "
                    f"visible_at = ? WHERE id = ? RETURNING {_COLUMNS}",
                    (uuid.uuid4().hex, now + visibility_timeout, id),
                ).fetchone()
                claimed.append(_message(row))
        return claimed

    def delete(self, queue: str, message: QueuedMessage) -> None:
        check_queue_name(queue)
        with self._db.connect() as connection:
            deleted = connection.execute(
                "DELETE FROM messages WHERE queue = ? AND id = ? AND pop_receipt = ?",
                (queue, message.id, message.pop_receipt),
            ).rowcount
        if not deleted:
            raise MessageLost(f"{queue}/{message.id}: stale pop receipt or already deleted")

    def release(self, queue: str, message: QueuedMessage, *, visibility_timeout: int) -> None:
        self._hide(queue, message, visibility_timeout)

    def extend(
        self, queue: str, message: QueuedMessage, *, visibility_timeout: int
    ) -> QueuedMessage:
        return self._hide(queue, message, visibility_timeout)

    def _hide(self, queue: str, message: QueuedMessage, visibility_timeout: int) -> QueuedMessage:
        """Visible again `visibility_timeout` s from now, with a new pop receipt (the old one
        is spent), as Azure's Update Message does."""
        check_queue_name(queue)
        check_range("visibility_timeout", visibility_timeout, 0, SEVEN_DAYS)
        with self._db.connect() as connection:
            rows = connection.execute(
                f"UPDATE messages SET visible_at = ?, pop_receipt = ? "
                f"WHERE queue = ? AND id = ? AND pop_receipt = ? RETURNING {_COLUMNS}",
                (
                    self._now() + visibility_timeout,
                    uuid.uuid4().hex,
                    queue,
                    message.id,
                    message.pop_receipt,
                ),
            ).fetchall()  # to the end: the statement, and its write, is finished
        if not rows:
            raise MessageLost(f"{queue}/{message.id}: stale pop receipt or already deleted")
        return _message(rows[0])

    def count(self, queue: str) -> int:
        check_queue_name(queue)
        with self._db.connect() as connection:
            row = connection.execute(
                "SELECT COUNT(*) FROM messages WHERE queue = ?", (queue,)
            ).fetchone()
        return int(row[0])

    def peek(self, queue: str, *, max_messages: int = 32) -> list[QueuedMessage]:
        check_queue_name(queue)
        check_range("max_messages", max_messages, 1, MAX_BATCH)
        with self._db.connect() as connection:
            rows = connection.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE queue = ? AND visible_at <= ? "
                "ORDER BY inserted_at, seq LIMIT ?",
                (queue, self._now(), max_messages),
            ).fetchall()
        # A peeked message has no pop receipt: it cannot be deleted without receiving it.
        return [_message((*row[:3], "", row[4])) for row in rows]


def _message(row: tuple[Any, ...]) -> QueuedMessage:
    id, body, dequeue_count, pop_receipt, inserted_at = row
    return QueuedMessage(
        id=id,
        body=body,
        dequeue_count=dequeue_count,
        pop_receipt=pop_receipt,
        inserted_at=datetime.fromtimestamp(inserted_at, UTC),
    )
