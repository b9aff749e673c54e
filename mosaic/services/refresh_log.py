"""The refresh log (`refreshLog` container): every membership and program refresh, with its
reason, start, end, duration and outcome; entries expire after REFRESH_LOG_DAYS."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mosaic.ports.documents import Container
from mosaic.services.backends import Backends

REFRESH_LOG_DAYS = 90


@dataclass
class RefreshReport:
    """One refresh as it goes: what it is, when it started, and what it did."""

    program: str
    kind: str
    key: str
    reason: str
    started: datetime
    clock_started: float = field(default_factory=time.perf_counter)
    outcome: str = "failed"
    details: dict[str, Any] = field(default_factory=dict)


def log_refresh(backends: Backends, report: RefreshReport) -> None:
    backends.documents.create(
        Container.REFRESH_LOG,
        {
            "id": uuid.uuid4().hex,
            "program": report.program,
            "kind": report.kind,
            "key": report.key,
            "reason": report.reason,
            "started": report.started.isoformat(),
            "finished": backends.clock.now().isoformat(),
            "durationMs": round((time.perf_counter() - report.clock_started) * 1000, 3),
            "outcome": report.outcome,
            **report.details,
            "ttl": REFRESH_LOG_DAYS * 24 * 3600,
        },
    )
