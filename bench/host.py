"""The real local host, in this process, on a free loopback port; its warnings counted."""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mosaic.bootstrap import backends
from mosaic.localhost import build_asgi_app, serving_in_thread

HOST_JSON = Path(__file__).resolve().parent.parent / "host.json"


@contextmanager
def serving() -> Iterator[str]:
    """Serve function_app (queues polled, no timers) in a background thread; yields its base
    URL, always on 127.0.0.1, and stops it on exit."""
    from function_app import app

    asgi = build_asgi_app(
        app, queue=backends().queue, host_json=HOST_JSON, timers=False, queues=True
    )
    with serving_in_thread(asgi) as url:
        yield url


class WarningCounter(logging.Handler):
    """Counts warnings and errors logged anywhere in the process (the host's included) and
    keeps the first few; installed with a stderr handler so none is hidden."""

    KEEP = 5

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] += 1
        if len(self.first) < self.KEEP:
            self.first.append(f"{record.levelname} {record.name}: {record.getMessage()}")

    def install(self) -> None:
        root = logging.getLogger()
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setLevel(logging.WARNING)
        stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        root.addHandler(stderr)
        root.addHandler(self)

    def summary(self) -> dict[str, object]:
        return {"counts": dict(self.counts), "first": list(self.first)}
