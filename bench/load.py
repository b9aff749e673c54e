"""Timing HTTP requests from a pool of client threads, and summarizing their latencies."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Call:
    """One POST and the status it should get."""

    path: str
    body: dict[str, str]
    expected: int


class Phase:
    """The requests of one phase: readable (as a partial summary) while its workers run."""

    def __init__(self, name: str, note: str, planned: int) -> None:
        self.name, self.note, self.planned = name, note, planned
        self._lock = threading.Lock()
        self._latencies: list[float] = []  # seconds, of requests answered as expected
        self._errors: Counter[str] = Counter()
        self._started = time.perf_counter()
        self._finished: float | None = None

    def record(self, seconds: float, error: str | None) -> None:
        with self._lock:
            if error is None:
                self._latencies.append(seconds)
            else:
                self._errors[error] += 1

    def finish(self) -> None:
        self._finished = time.perf_counter()

    def summary(self) -> dict[str, Any]:
        with self._lock:
            latencies, errors = sorted(self._latencies), dict(self._errors)
        finished = self._finished
        elapsed = (finished if finished is not None else time.perf_counter()) - self._started
        count = len(latencies) + sum(errors.values())
        return {
            "name": self.name,
            "note": self.note,
            "planned": self.planned,
            "count": count,
            "errors": sum(errors.values()),
            "errorsBy": errors,
            "complete": finished is not None and count == self.planned,
            "seconds": round(elapsed, 3),
            "reqPerSecond": round(count / elapsed, 1) if elapsed > 0 else None,
            "latencyMs": _latency_ms(latencies),
        }


def _latency_ms(ordered: Sequence[float]) -> dict[str, float] | None:
    """p50/p95/p99 (nearest rank) and max, in milliseconds; None without any request."""
    if not ordered:
        return None

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    figures = {"p50": rank(50), "p95": rank(95), "p99": rank(99), "max": ordered[-1]}
    return {key: round(value * 1000, 2) for key, value in figures.items()}


def run(
    phase: Phase, base_url: str, calls: Sequence[Call], *, concurrency: int, deadline: float
) -> None:
    """Send `calls` from `concurrency` threads, one client each; stop taking new calls at
    `deadline` (a time.monotonic() value)."""
    pending: Iterator[Call] = iter(calls)
    lock = threading.Lock()

    def take() -> Call | None:
        if time.monotonic() >= deadline:
            return None
        with lock:
            return next(pending, None)

    def worker() -> None:
        with httpx.Client(
            base_url=base_url, timeout=REQUEST_TIMEOUT_SECONDS, trust_env=False
        ) as client:
            while (call := take()) is not None:
                started = time.perf_counter()
                error: str | None
                try:
                    status = client.post(call.path, json=call.body).status_code
                    error = None if status == call.expected else f"HTTP {status}"
                except Exception as failure:  # a figure, not a crash: counted by kind
                    error = type(failure).__name__
                phase.record(time.perf_counter() - started, error)

    threads = [
        threading.Thread(target=worker, daemon=True, name=f"bench-client-{i}")
        for i in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.finish()
