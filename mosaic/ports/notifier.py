"""Notifier port: outgoing push, SMS and email to members."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from mosaic.domain.membership import Channel


@dataclass(frozen=True)
class Notification:
    """A message to a member. An e-mail carries what it shows, rendered from `template` with
    `data` (`mosaic.emails`): `subject`, `html` and `text`, kept as rendered by every
    notifier (the outbox keeps them so a person can open the message)."""

    program: str
    membership_number: str
    channel: Channel
    template: str
    to: str
    data: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    subject: str | None = None
    html: str | None = None
    text: str | None = None


class NotificationFailed(Exception):
    """The provider did not take the notification."""


class NotificationRefused(NotificationFailed):
    """The provider refused the notification itself (bad address, template, signature...):
    sending it again unchanged will be refused again."""


class NotifierUnavailable(NotificationFailed):
    """The provider could not be reached or kept failing: the same notification, with the
    same idempotency_key, may be sent again later (after `retry_after` seconds when known)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Notifier(Protocol):
    def send(self, notification: Notification) -> str:
        """Hand the notification to the provider; returns its delivery id. Sending the same
        idempotency_key twice (within one program) delivers once and returns the first id;
        notifications without a key are each delivered. Raises NotificationRefused or
        NotifierUnavailable."""
        ...
