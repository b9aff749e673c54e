"""What a process keeps of each program for a while (rules read from its program document),
per document store, so a test's fresh store starts empty. Dropping it at any time is safe:
the next caller reads it again."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from mosaic.ports.documents import DocumentStore
from mosaic.services.backends import Backends

T = TypeVar("T")


class KeptPerProgram(Generic[T]):
    def __init__(self, lifetime: timedelta) -> None:
        self.lifetime = lifetime
        self._kept: weakref.WeakKeyDictionary[DocumentStore, dict[str, tuple[datetime, T]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self, backends: Backends, program: str, read: Callable[[], T]) -> T:
        """The program's value kept less than `lifetime` ago (wall clock), else `read()`'s."""
        now = backends.wall_clock.now()
        with self._lock:
            kept = self._kept.get(backends.documents, {}).get(program)
        if kept is not None and now - kept[0] < self.lifetime:
            return kept[1]
        value = read()
        with self._lock:
            self._kept.setdefault(backends.documents, {})[program] = (now, value)
        return value

    def forget(self, backends: Backends, program: str) -> None:
        with self._lock:
            self._kept.get(backends.documents, {}).pop(program, None)
