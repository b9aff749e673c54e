"""Throttling guesses of short codes (5-digit activation codes, PINs).

Two budgets over a sliding window (domain.throttling), each taken by an atomic increment
*before* the code is looked at, so parallel guesses cannot pass between a check and a record:
- per client, across every program: a few wrong codes per window;
- per program, from all clients: a ceiling far above what members mistyping produce, which
  keeps guessing from many addresses slow.
An attempt whose code opened a membership is given back to both; any other stays counted,
also one the service could not answer (else an SoR outage would make guessing free).
Counters are small documents of per-bucket counts, one per window-long page, that expire.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from mosaic.domain.errors import TooManyAttempts
from mosaic.domain.throttling import SlidingWindow, client_key
from mosaic.ports.documents import Container, JsonDocument
from mosaic.services.backends import Backends, LoginPolicy
from mosaic.services.documents import read_or_none

CLIENT_PARTITIONS = "0123456789abcdef"
"""Client counters span programs; spread over 16 partitions by digest, not one hot one."""
ATTEMPTS, FAILURES = "b", "f"
"""A page's counters: attempts counted and not given back (failures and attempts still
being answered), and settled failures."""
log = logging.getLogger("mosaic.throttle")


@dataclass(frozen=True)
class Budget:
    """One counter: documents `<name>:<page>` in one partition, and how much it allows."""

    partition: str
    name: str
    allowed: int
    refusal: str

    def id(self, page: int) -> str:
        return f"{self.name}:{page}"


@dataclass(frozen=True)
class Attempt:
    """An attempt counted against these budgets, in this bucket."""

    budgets: tuple[Budget, ...]
    bucket: int


def admit(backends: Backends, scope: str, program: str, address: str | None) -> Attempt:
    """Count one attempt against the program's and the client's budgets, or refuse it
    (TooManyAttempts, nothing left counted) when either is used up."""
    window = SlidingWindow(backends.login_policy.window_seconds)
    now = backends.wall_clock.now().timestamp()
    budgets = _budgets(backends.login_policy, scope, program, address)
    bucket = window.bucket(now)
    pages = _add(backends, budgets, window, bucket, 1)
    for budget, page in zip(budgets, pages, strict=True):
        previous = _previous_page(backends, budget, window, bucket)
        attempts = _counts(previous, ATTEMPTS) | _counts(page, ATTEMPTS)
        if window.count(attempts, now) > budget.allowed:
            _add(backends, budgets, window, bucket, -1)
            failures = _counts(previous, FAILURES) | _counts(page, FAILURES)
            wait = _retry_after(window, failures, now, budget.allowed)
            log.warning("%s refused (%s): %s", scope, program, budget.refusal)
            raise TooManyAttempts(f"{budget.refusal}; try again in {wait} s", wait)
    return Attempt(tuple(budgets), bucket)


def _retry_after(window: SlidingWindow, failures: dict[int, int], now: float, allowed: int) -> int:
    """When the budget is used up by settled failures, until enough of them leave the
    window; when attempts still being answered fill it (members behind one address logging
    in at once), a second: they are given back as soon as they succeed."""
    if window.count(failures, now) < allowed:
        return 1
    return window.seconds_until_room(failures, now, allowed)


def _budgets(policy: LoginPolicy, scope: str, program: str, address: str | None) -> list[Budget]:
    """The program's budget, and the client's when the request says who the client is."""
    budgets = [
        Budget(
            program,
            f"throttle:{scope}:program",
            policy.program_failures_allowed,
            "too many failed attempts in this program",
        )
    ]
    if address is None:
        _complain_about_missing_address()
        return budgets
    digest = _digest(client_key(address))
    budgets.append(
        Budget(
            f"_throttle-{digest[0]}",
            f"throttle:{scope}:client:{digest}",
            policy.failures_allowed,
            "too many failed attempts from this client",
        )
    )
    return budgets


def forgive(backends: Backends, attempt: Attempt) -> None:
    """The attempt's code opened a membership: it does not count against any budget."""
    window = SlidingWindow(backends.login_policy.window_seconds)
    _add(backends, list(attempt.budgets), window, attempt.bucket, -1)


def failed(backends: Backends, attempt: Attempt) -> None:
    """The attempt did not open a membership: it stays counted, and is now a settled
    failure too (what Retry-After is computed from)."""
    window = SlidingWindow(backends.login_policy.window_seconds)
    _add(backends, list(attempt.budgets), window, attempt.bucket, 1, FAILURES)


def _add(
    backends: Backends,
    budgets: list[Budget],
    window: SlidingWindow,
    bucket: int,
    n: int,
    counter: str = ATTEMPTS,
) -> list[JsonDocument]:
    """Add `n` to the bucket's counter of every budget (one write where the store can);
    each budget's page after it. The increment's own answer orders parallel attempts
    exactly, where a later read would let two of them see each other and both be refused."""
    page = window.page(bucket)
    return backends.documents.increment_each(
        Container.SYSTEM,
        [(budget.partition, budget.id(page)) for budget in budgets],
        f"{counter}{bucket}",
        n,
        initial={"kind": "throttle"},
        ttl=2 * window.seconds + 60,  # its own window, and the next one it still reaches into
    )


def _previous_page(
    backends: Backends, budget: Budget, window: SlidingWindow, bucket: int
) -> JsonDocument:
    id = budget.id(window.page(bucket) - 1)
    found = read_or_none(backends.documents, Container.SYSTEM, budget.partition, id)
    return found.body if found else {}


def _counts(page: JsonDocument, counter: str) -> dict[int, int]:
    """One counter's counts by bucket, from a page whose fields are `<counter><bucket>`."""
    return {
        int(field[1:]): value
        for field, value in page.items()
        if field[:1] == counter and field[1:].isdigit() and isinstance(value, int)
    }


def _digest(key: str) -> str:
    # Client addresses are personal data: counters and logs name a digest.
    return hashlib.sha256(key.encode()).hexdigest()[:32]


_complaints = threading.Lock()
_last_complaint = [0.0]


def _complain_about_missing_address() -> None:
    """No client address means the front end is misconfigured: every such request would
    share one budget (so one guesser locks out all) or none. Said loudly, once a minute
    per process (the lock and time are only this log line's rate limit)."""
    with _complaints:
        if time.monotonic() - _last_complaint[0] < 60:
            return
        _last_complaint[0] = time.monotonic()
    log.error(
        "a request reached the app without a client address (X-Forwarded-For): only the "
        "program's ceiling throttles it. Check the front end and MOSAIC_TRUSTED_PROXY_HOPS."
    )
