"""The refresh log (`refreshLog` container): every membership and program refresh, with its
reason, start, end, duration and outcome, and the error of a failed one; entries expire after
REFRESH_LOG_DAYS. Times are the wall clock's: a frozen business clock (MOSAIC_NOW) would give
every entry the same start."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def logged_refresh(
    backends: Backends, program: str, kind: str, key: str, reason: str
) -> Iterator[RefreshReport]:
    """A refresh's report, logged when the refresh ends, however it ends; an exception's
    type and message go on the entry as `error`."""
    report = RefreshReport(program, kind, key, reason, backends.wall_clock.now())
    try:
        yield report
    except Exception as error:
        report.details.setdefault("error", f"{type(error).__name__}: {error}"[:1000])
        raise
    finally:
        log_refresh(backends, report)


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
            "finished": backends.wall_clock.now().isoformat(),
            "durationMs": round((time.perf_counter() - report.clock_started) * 1000, 3),
            "outcome": report.outcome,
            **report.details,
            "ttl": REFRESH_LOG_DAYS * 24 * 3600,
        },
    )
