"""Queue port: at-least-once messages with a visibility timeout and a dequeue count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


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
        """Enqueue; returns the message id. The queue is created when missing."""
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
