"""The invocation log: a DEBUG line per invocation, an INFO summary per function on flush.

A line per request at INFO would cost more than a cheap function itself and flood the
console under load; the host flushes a summary every SUMMARY_SECONDS instead. Failures
are logged where they happen, at WARNING or ERROR; a timer's run, rare, at INFO.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from mosaic.localhost.discovery import FunctionSpec

logger = logging.getLogger("mosaic.host")

SUMMARY_SECONDS = 60.0


@dataclass
class _Totals:
    kind: str
    outcomes: Counter[str] = field(default_factory=Counter)
    milliseconds: float = 0.0
    slowest: float = 0.0


class InvocationLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: dict[str, _Totals] = {}

    def record(self, spec: FunctionSpec, outcome: object, started: float) -> None:
        """Count one invocation; `started` is its time.perf_counter() at the start."""
        elapsed = (time.perf_counter() - started) * 1000
        level = logging.INFO if spec.kind == "timer" else logging.DEBUG
        if logger.isEnabledFor(level):
            logger.log(level, "%s %s %s %.1fms", spec.name, spec.kind, outcome, elapsed)
        with self._lock:
            totals = self._totals.get(spec.name)
            if totals is None:
                totals = self._totals[spec.name] = _Totals(spec.kind)
            totals.outcomes[str(outcome)] += 1
            totals.milliseconds += elapsed
            totals.slowest = max(totals.slowest, elapsed)

    def flush(self) -> None:
        """Log one INFO line per function invoked since the last flush, and start over:
        `mobile_login http: 1,200 invocations (200: 1,150, 400: 50), mean 1.2ms, max 9.0ms`."""
        with self._lock:
            totals, self._totals = self._totals, {}
        for name, seen in sorted(totals.items()):
            count = seen.outcomes.total()
            outcomes = ", ".join(f"{key}: {n:,}" for key, n in sorted(seen.outcomes.items()))
            logger.info(
                "%s %s: %s invocation%s (%s), mean %.1fms, max %.1fms",
                name,
                seen.kind,
                f"{count:,}",
                "" if count == 1 else "s",
                outcomes,
                seen.milliseconds / count,
                seen.slowest,
            )
