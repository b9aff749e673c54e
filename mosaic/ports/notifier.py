"""Notifier port: outgoing push, SMS and email to members."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from mosaic.domain.membership import Channel


@dataclass(frozen=True)
class Notification:
    program: str
    membership_number: str
    channel: Channel
    template: str
    to: str
    data: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None


class Notifier(Protocol):
    def send(self, notification: Notification) -> str:
        """Hand the notification to the provider; returns its delivery id. Sending the same
        idempotency_key twice delivers once and returns the first id."""
        ...
