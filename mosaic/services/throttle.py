"""Throttling failed logins, so 5-digit activation codes cannot be guessed at speed."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from mosaic.domain.errors import TooManyAttempts
from mosaic.ports.documents import Container, JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.documents import read_or_none, update_with_retries


def _id(scope: str, client: str) -> str:
    # Client addresses are personal data: the counter is keyed by a digest.
    return f"throttle:{scope}:{hashlib.sha256(client.encode()).hexdigest()[:32]}"


def _window(body: JsonDocument | None, now: datetime, seconds: int) -> tuple[datetime, int]:
    """Start and failure count of the window `now` falls in (a fresh one when it lapsed)."""
    if body is not None:
        start = datetime.fromisoformat(body["windowStart"])
        if now < start + timedelta(seconds=seconds):
            return start, int(body["failures"])
    return now, 0


def ensure_allowed(backends: Backends, program: str, scope: str, client: str) -> None:
    """Refuse a client that used up its failures in the current window."""
    policy, now = backends.login_policy, backends.wall_clock.now()
    found = read_or_none(backends.documents, Container.SYSTEM, program, _id(scope, client))
    start, failures = _window(found.body if found else None, now, policy.window_seconds)
    if failures >= policy.failures_allowed:
        remaining = start + timedelta(seconds=policy.window_seconds) - now
        wait = max(1, math.ceil(remaining.total_seconds()))
        raise TooManyAttempts(
            f"too many failed attempts from this client; try again in {wait} s",
            retry_after_seconds=wait,
        )


def record_failure(backends: Backends, program: str, scope: str, client: str) -> None:
    policy, now, id = backends.login_policy, backends.wall_clock.now(), _id(scope, client)

    def decide(current: StoredDocument | None) -> JsonDocument:
        start, failures = _window(current.body if current else None, now, policy.window_seconds)
        return {
            "id": id,
            "program": program,
            "windowStart": start.isoformat(),
            "failures": failures + 1,
        }

    update_with_retries(backends.documents, Container.SYSTEM, program, id, decide)
