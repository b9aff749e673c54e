"""Queue port: at-least-once messages with a visibility timeout and a dequeue count."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

MAX_BODY_BYTES = 48 * 1024
"""The largest message body, in UTF-8 bytes. Azure Storage holds at most 64 KiB of message
text, and a body is stored base64-encoded (4 characters for every 3 bytes), as the Functions
host reads it: 48 KiB of body is 64 KiB on the wire."""
MAX_BATCH = 32
"""The most messages one receive or peek returns, as in Azure Storage."""
SEVEN_DAYS = 7 * 24 * 3600
"""The longest delay or visibility timeout Azure Storage accepts, in seconds."""
# Azure's rules: 3-63 characters, lowercase letters, digits and single inner hyphens.
_QUEUE_NAME = re.compile(r"(?=.{3,63}\Z)[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class QueuedMessage:
    id: str
    body: str
    dequeue_count: int
    pop_receipt: str
    inserted_at: datetime


class MessageLost(Exception):
    """The pop receipt is stale: the message became visible again and someone else took it."""


class MessageQueue(Protocol):
    def send(self, queue: str, body: str, *, delay_seconds: int = 0) -> str:
        """Enqueue; returns the message id. The queue is created when missing. A body over
        MAX_BODY_BYTES is refused with a ValueError."""
        ...

    def receive(
        self, queue: str, *, max_messages: int, visibility_timeout: int
    ) -> list[QueuedMessage]:
        """Take up to max_messages visible messages, hiding them for visibility_timeout
        seconds and counting one more dequeue on each."""
        ...

    def delete(self, queue: str, message: QueuedMessage) -> None:
        """Remove a received message; raises MessageLost on a stale pop receipt."""
        ...

    def release(self, queue: str, message: QueuedMessage, *, visibility_timeout: int) -> None:
        """Give a received message back, visible again after visibility_timeout seconds;
        raises MessageLost on a stale pop receipt."""
        ...

    def extend(
        self, queue: str, message: QueuedMessage, *, visibility_timeout: int
    ) -> QueuedMessage:
        """Keep a received message hidden for visibility_timeout seconds from now (Azure's
        Update Message), as a consumer still working on it does. Returns the message with
        its new pop receipt: the old one is spent. Raises MessageLost on a stale pop receipt."""
        ...

    def count(self, queue: str) -> int:
        """Messages in the queue, visible or not."""
        ...

    def peek(self, queue: str, *, max_messages: int = 32) -> list[QueuedMessage]:
        """Visible messages, without taking them."""
        ...


def poison_queue_name(queue: str) -> str:
    """Where a message goes that its function failed on too often, as the Functions host names
    it."""
    return f"{queue}-poison"


def check_queue_name(queue: str) -> None:
    if not _QUEUE_NAME.fullmatch(queue):
        raise ValueError(
            f"invalid queue name {queue!r}: 3-63 lowercase letters, digits and single hyphens"
        )


def check_body(body: str) -> None:
    size = len(body.encode("utf-8"))
    if size > MAX_BODY_BYTES:
        raise ValueError(
            f"queue message body of {size:,} bytes is over the limit of {MAX_BODY_BYTES:,} "
            "bytes of UTF-8 (48 KiB, which base64-encoded is Azure Storage's 64 KiB message "
            "limit)"
        )


def check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {value}")
