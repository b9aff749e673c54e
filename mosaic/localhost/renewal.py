"""Received messages kept hidden while their function works through them.

A message is received with a processing visibility; while the batch is processed, a
thread extends every unsettled message's visibility each half period (Update Message),
as the Functions host does, so a long-running function does not see its message handed
to another instance. Each extension gives a new pop receipt: a message is settled
(deleted, released, poisoned) with the latest one, through `settling`. The function's
own time is bounded by functionTimeout, so the renewal is too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from mosaic.ports.queue import MessageLost, MessageQueue, QueuedMessage

logger = logging.getLogger("mosaic.host")


class KeptHidden:
    def __init__(
        self, queue: MessageQueue, name: str, messages: list[QueuedMessage], visibility: int
    ) -> None:
        self._queue, self._name, self._visibility = queue, name, visibility
        self._current = {message.id: message for message in messages}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, daemon=True, name=f"renew-{name}")

    def __enter__(self) -> KeptHidden:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    @contextmanager
    def settling(self, message: QueuedMessage) -> Iterator[QueuedMessage | None]:
        """The message with its latest pop receipt, no longer renewed; None when it was
        lost (it became visible again and another consumer may have it)."""
        with self._lock:
            yield self._current.pop(message.id, None)

    def _renew(self) -> None:
        while not self._stop.wait(self._visibility / 2):
            with self._lock:
                for id, message in list(self._current.items()):
                    self._extend(id, message)

    def _extend(self, id: str, message: QueuedMessage) -> None:
        try:
            self._current[id] = self._queue.extend(
                self._name, message, visibility_timeout=self._visibility
            )
        except MessageLost:
            logger.warning("%s/%s: lost before its visibility could be extended", self._name, id)
            del self._current[id]
        except Exception:  # a storage hiccup: the next period tries again
            logger.exception("%s/%s: extending its visibility failed", self._name, id)
