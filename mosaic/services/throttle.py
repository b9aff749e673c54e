"""Throttling guesses of short codes (5-digit activation codes, PINs).

Two budgets, both over a sliding window (domain.throttling):
- per client, across every program: each attempt is counted atomically *before* its code is
  looked at, so parallel guesses cannot pass between a check and a record; an attempt that
  succeeds, or that the service could not answer, is given back;
- per program, failures from all clients: a ceiling far above what members mistyping
  produce, which keeps guessing from many addresses slow.
Counters are small documents of per-bucket counts, one per window-long page, that expire
(ttl) once they cannot matter any more.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from mosaic.domain.errors import TooManyAttempts
from mosaic.domain.throttling import SlidingWindow, client_key
from mosaic.ports.documents import Container
from mosaic.services.backends import Backends
from mosaic.services.documents import read_or_none

CLIENTS_PARTITION = "_throttle"
"""Client counters span programs, so they live outside every program's partition."""
log = logging.getLogger("mosaic.throttle")


@dataclass(frozen=True)
class Attempt:
    scope: str
    program: str
    client: str | None
    """The client's throttling key; None when the request carried no address."""
    bucket: int
    """The bucket the attempt was counted in."""


@dataclass(frozen=True)
class _Counter:
    """One budget's counts: a document per page of buckets, in one partition."""

    partition: str
    name: str

    def id(self, page: int) -> str:
        return f"{self.name}:{page}"


def admit(backends: Backends, scope: str, program: str, address: str | None) -> Attempt:
    """Count one attempt, or refuse it (TooManyAttempts, nothing counted) when the client
    or the program has used up its budget."""
    policy, now = backends.login_policy, backends.wall_clock.now().timestamp()
    window = SlidingWindow(policy.window_seconds)
    bucket = window.bucket(now)
    ceiling = policy.program_failures_allowed
    program_buckets = _buckets(backends, _program_counter(scope, program), window, bucket)
    if window.count(program_buckets, now) >= ceiling:
        wait = window.seconds_until_room(program_buckets, now, ceiling)
        log.warning("%s refused: program %s over its failure ceiling", scope, program)
        raise TooManyAttempts(
            f"too many failed attempts in this program; try again in {wait} s",
            retry_after_seconds=wait,
        )
    if address is None:
        _complain_about_missing_address()
        return Attempt(scope, program, None, bucket)
    key = client_key(address)
    counter = _client_counter(scope, key)
    counted = _add(backends, counter, window, bucket, 1)
    client_buckets = _buckets(backends, counter, window, bucket)
    # The increment's own answer orders parallel attempts exactly; a later read would let
    # two of them see each other and both be refused.
    client_buckets[bucket] = counted
    allowed = policy.failures_allowed
    if window.count(client_buckets, now) > allowed:
        _add(backends, counter, window, bucket, -1)
        client_buckets[bucket] -= 1
        wait = window.seconds_until_room(client_buckets, now, allowed)
        log.warning("%s refused: client %s over its budget (%s)", scope, _digest(key), program)
        raise TooManyAttempts(
            f"too many failed attempts from this client; try again in {wait} s",
            retry_after_seconds=wait,
        )
    return Attempt(scope, program, key, bucket)


def forgive(backends: Backends, attempt: Attempt) -> None:
    """The attempt succeeded (or was not answered): it does not count against the client."""
    if attempt.client is not None:
        window = SlidingWindow(backends.login_policy.window_seconds)
        _add(backends, _client_counter(attempt.scope, attempt.client), window, attempt.bucket, -1)


def failed(backends: Backends, attempt: Attempt) -> None:
    """The attempt was a wrong code: it stays on the client and counts for the program."""
    window = SlidingWindow(backends.login_policy.window_seconds)
    bucket = window.bucket(backends.wall_clock.now().timestamp())
    _add(backends, _program_counter(attempt.scope, attempt.program), window, bucket, 1)


def _client_counter(scope: str, key: str) -> _Counter:
    return _Counter(CLIENTS_PARTITION, f"throttle:{scope}:client:{_digest(key)}")


def _program_counter(scope: str, program: str) -> _Counter:
    return _Counter(program, f"throttle:{scope}:program")


def _add(backends: Backends, counter: _Counter, window: SlidingWindow, bucket: int, n: int) -> int:
    return backends.documents.increment(
        Container.SYSTEM,
        counter.partition,
        counter.id(window.page(bucket)),
        f"b{bucket}",
        n,
        initial={"kind": "throttle"},
        ttl=2 * window.seconds + 60,  # its own window, and the next one it still reaches into
    )


def _buckets(
    backends: Backends, counter: _Counter, window: SlidingWindow, bucket: int
) -> dict[int, int]:
    """The bucket counts of the page `bucket` is on and of the page before."""
    page = window.page(bucket)
    counts: dict[int, int] = {}
    for id in (counter.id(page - 1), counter.id(page)):
        found = read_or_none(backends.documents, Container.SYSTEM, counter.partition, id)
        for field, value in (found.body if found else {}).items():
            if field.startswith("b") and field[1:].isdigit() and isinstance(value, int):
                counts[int(field[1:])] = value
    counts.setdefault(bucket, 0)
    return counts


def _digest(key: str) -> str:
    # Client addresses are personal data: counters and logs name a digest.
    return hashlib.sha256(key.encode()).hexdigest()[:32]


_complaints = threading.Lock()
_last_complaint = [0.0]


def _complain_about_missing_address() -> None:
    """No client address means the front end is misconfigured: every such request would
    share one budget (so one guesser locks out all) or none. Said loudly, once a minute."""
    with _complaints:
        if time.monotonic() - _last_complaint[0] < 60:
            return
        _last_complaint[0] = time.monotonic()
    log.error(
        "a request reached the app without a client address (X-Forwarded-For): only the "
        "program's ceiling throttles it. Check the front end and MOSAIC_TRUSTED_PROXY_HOPS."
    )
