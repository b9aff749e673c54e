"""Notifier that delivers nothing: it records every notification in a SQLite outbox."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from pathlib import Path

from mosaic.adapters.embedded.sqlite import SqliteDatabase
from mosaic.domain.membership import Channel
from mosaic.ports.notifier import Notification

# SQLite treats NULLs as distinct, so only notifications with a key are deduplicated.
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id TEXT NOT NULL UNIQUE,
        program TEXT NOT NULL,
        idempotency_key TEXT,
        notification TEXT NOT NULL,
        created REAL NOT NULL,
        UNIQUE (program, idempotency_key)
    )""",
)


class OutboxNotifier:
    def __init__(self, path: Path) -> None:
        self._db = SqliteDatabase(path, _SCHEMA)

    def close(self) -> None:
        self._db.close()

    def send(self, notification: Notification) -> str:
        delivery_id = uuid.uuid4().hex
        body = json.dumps(
            dataclasses.asdict(notification), separators=(",", ":"), ensure_ascii=False
        )
        with self._db.transaction() as connection:
            inserted = connection.execute(
                "INSERT INTO outbox (delivery_id, program, idempotency_key, notification, "
                "created) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    delivery_id,
                    notification.program,
                    notification.idempotency_key,
                    body,
                    time.time(),
                ),
            ).rowcount
            if inserted:
                return delivery_id
            (first,) = connection.execute(
                "SELECT delivery_id FROM outbox WHERE program = ? AND idempotency_key = ?",
                (notification.program, notification.idempotency_key),
            ).fetchone()
        return str(first)

    def sent(self, program: str | None = None) -> list[tuple[str, Notification]]:
        """What was sent, oldest first: for tests and the demo, not part of the port."""
        with self._db.connect() as connection:
            rows = connection.execute(
                "SELECT delivery_id, notification FROM outbox "
                "WHERE ?1 IS NULL OR program = ?1 ORDER BY seq",
                (program,),
            ).fetchall()
        return [(delivery_id, _notification(text)) for delivery_id, text in rows]


def _notification(text: str) -> Notification:
    fields = json.loads(text)
    return Notification(**{**fields, "channel": Channel(fields["channel"])})
