"""Message queues on Azure Storage Queues, as the Functions host's queue trigger reads them.

Bodies are stored base64-encoded UTF-8 text, the host's default `messageEncoding`, so a message
this adapter sends is what a queue-triggered function receives, and the reverse. A received
message that is not base64 of UTF-8 (written by a tool that does not encode) is moved to
`<queue>-poison` at once, with a warning, as the host does: retrying it cannot help.

Azure keeps a message 7 days (its default time to live); the embedded adapter keeps it until
it is deleted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    DecodeError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.storage.queue import (
    QueueClient,
    QueueMessage,
    QueueServiceClient,
    StorageErrorCode,
    TextBase64DecodePolicy,
    TextBase64EncodePolicy,
)

from mosaic.ports.queue import (
    MAX_BATCH,
    SEVEN_DAYS,
    MessageLost,
    QueuedMessage,
    check_body,
    check_queue_name,
    check_range,
    poison_queue_name,
)

logger = logging.getLogger(__name__)

_LOST = frozenset((StorageErrorCode.POP_RECEIPT_MISMATCH, StorageErrorCode.MESSAGE_NOT_FOUND))
_DECODE = TextBase64DecodePolicy()


class StorageQueue:
    """One QueueServiceClient (one connection pool) and a QueueClient per queue name."""

    def __init__(self, service: QueueServiceClient) -> None:
        self._service = service
        self._clients: dict[str, QueueClient] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_connection_string(cls, connection_string: str) -> StorageQueue:
        """From a storage connection string, as the AzureWebJobsStorage setting holds."""
        return cls(QueueServiceClient.from_connection_string(connection_string))

    @classmethod
    def from_account_url(
        cls, account_url: str, credential: TokenCredential, **client_options: Any
    ) -> StorageQueue:
        """From the queue service URL (https://<account>.queue.core.windows.net) and an Entra
        ID credential (DefaultAzureCredential, say); `client_options` go to the SDK client."""
        return cls(QueueServiceClient(account_url, credential=credential, **client_options))

    def close(self) -> None:
        self._service.close()

    def send(self, queue: str, body: str, *, delay_seconds: int = 0) -> str:
        check_range("delay_seconds", delay_seconds, 0, SEVEN_DAYS)
        check_body(body)
        client = self._client(queue)
        try:
            sent = client.send_message(body, visibility_timeout=delay_seconds)
        except ResourceNotFoundError:
            with suppress(ResourceExistsError):  # created meanwhile by another sender
                client.create_queue()
            sent = client.send_message(body, visibility_timeout=delay_seconds)
        return str(sent.id)

    def receive(
        self, queue: str, *, max_messages: int, visibility_timeout: int
    ) -> list[QueuedMessage]:
        check_range("max_messages", max_messages, 1, MAX_BATCH)
        check_range("visibility_timeout", visibility_timeout, 1, SEVEN_DAYS)
        pages = self._client(queue).receive_messages(
            max_messages=max_messages,
            messages_per_page=max_messages,
            visibility_timeout=visibility_timeout,
        )
        try:
            received = list(next(pages.by_page(), []))  # one request, as the host makes
        except ResourceNotFoundError:
            return []
        messages = []
        for item in received:
            body = _decoded(item)
            if body is None:
                self._poison_undecodable(queue, item)
            else:
                messages.append(_to_queued(item, body))
        return messages

    def delete(self, queue: str, message: QueuedMessage) -> None:
        client = self._client(queue)
        with _lost_when_stale(queue, message):
            client.delete_message(message.id, message.pop_receipt)

    def release(self, queue: str, message: QueuedMessage, *, visibility_timeout: int) -> None:
        self.extend(queue, message, visibility_timeout=visibility_timeout)

    def extend(
        self, queue: str, message: QueuedMessage, *, visibility_timeout: int
    ) -> QueuedMessage:
        """Update Message without content: only the visibility changes, and the pop receipt."""
        check_range("visibility_timeout", visibility_timeout, 0, SEVEN_DAYS)
        client = self._client(queue)
        with _lost_when_stale(queue, message):
            updated = client.update_message(
                message.id, message.pop_receipt, visibility_timeout=visibility_timeout
            )
        return replace(message, pop_receipt=str(updated.pop_receipt))

    def count(self, queue: str) -> int:
        """Azure's approximate message count: hidden messages included, expired ones maybe."""
        try:
            properties = self._client(queue).get_queue_properties()
        except ResourceNotFoundError:
            return 0
        return int(properties.approximate_message_count or 0)

    def peek(self, queue: str, *, max_messages: int = 32) -> list[QueuedMessage]:
        check_range("max_messages", max_messages, 1, MAX_BATCH)
        try:
            peeked = self._client(queue).peek_messages(max_messages=max_messages)
        except ResourceNotFoundError:
            return []
        # A peeked message has no pop receipt: it cannot be deleted without receiving it. One
        # that does not decode is shown as it is stored.
        return [_to_queued(item, _decoded(item) or _text(item)) for item in peeked]

    def _client(self, queue: str) -> QueueClient:
        client = self._clients.get(queue)
        if client is None:
            check_queue_name(queue)
            with self._lock:
                client = self._clients.setdefault(
                    queue,
                    self._service.get_queue_client(
                        queue, message_encode_policy=TextBase64EncodePolicy()
                    ),
                )
        return client

    def _poison_undecodable(self, queue: str, item: QueueMessage) -> None:
        poison = poison_queue_name(queue)
        logger.warning(
            "%s/%s is not base64-encoded UTF-8 text, the Functions host's message encoding; "
            "moved to %s",
            queue,
            item.id,
            poison,
        )
        try:
            self.send(poison, _text(item))
        except ValueError:  # its base64 would be over Azure's limit: it stays, and is logged
            logger.exception("%s/%s could not be moved to %s", queue, item.id, poison)
            return
        self._client(queue).delete_message(item.id, item.pop_receipt)


@contextmanager
def _lost_when_stale(queue: str, message: QueuedMessage) -> Iterator[None]:
    """A stale pop receipt, a message already deleted or a queue gone: MessageLost."""
    if not message.pop_receipt:  # a peeked message
        raise MessageLost(f"{queue}/{message.id}: no pop receipt, it was not received")
    try:
        yield
    except ResourceNotFoundError as error:
        raise MessageLost(f"{queue}/{message.id}: the queue is gone") from error
    except HttpResponseError as error:
        if getattr(error, "error_code", None) not in _LOST:
            raise
        raise MessageLost(f"{queue}/{message.id}: stale pop receipt or deleted") from error


def _to_queued(item: QueueMessage, body: str) -> QueuedMessage:
    if item.inserted_on is None:
        raise HttpResponseError(f"message {item.id} came without its insertion time")
    return QueuedMessage(
        id=str(item.id),
        body=body,
        dequeue_count=int(item.dequeue_count or 0),
        pop_receipt=str(item.pop_receipt or ""),
        inserted_at=item.inserted_on,
    )


def _text(item: QueueMessage) -> str:
    return str(item.content or "")


def _decoded(item: QueueMessage) -> str | None:
    """The body, decoded here rather than by the SDK client, which would fail the whole batch
    on one message that does not decode."""
    try:
        return str(_DECODE.decode(_text(item), None))  # type: ignore[arg-type]
    except DecodeError:
        return None
