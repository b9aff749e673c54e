"""Asking for a membership refresh: the `membership-refresh` queue message, and the retries of
a request that found the SoR down (DESIGN section 1)."""

from __future__ import annotations

import logging
from enum import StrEnum

from pydantic import AwareDatetime

from mosaic.domain.base import CamelModel
from mosaic.services.backends import Backends

MEMBERSHIP_REFRESH_QUEUE = "membership-refresh"
log = logging.getLogger("mosaic.refresh")


class RefreshReason(StrEnum):
    LOGIN = "login"
    DEVICE = "device"
    MANUAL = "manual"
    UPDATE = "update"
    IMPORT = "import"
    CODE_CONFLICT = "code-conflict"


class MembershipRefreshRequest(CamelModel):
    """The `membership-refresh` queue message; `requestedAt` is wall-clock time, compared
    with when the membership was last read from the SoR."""

    program: str
    membership_number: str
    reason: RefreshReason
    requested_at: AwareDatetime
    attempt: int = 0
    """How many times the SoR was found down for this request (retry_when_sor_is_back)."""
    job: str | None = None
    """The fanned-out job (an import) whose progress the outcome counts in."""


def request_refresh(
    backends: Backends,
    program: str,
    number: str,
    reason: RefreshReason,
    *,
    delay_seconds: int = 0,
    job: str | None = None,
) -> None:
    message = MembershipRefreshRequest(
        program=program,
        membership_number=number,
        reason=reason,
        requested_at=backends.wall_clock.now(),
        job=job,
    )
    backends.queue.send(
        MEMBERSHIP_REFRESH_QUEUE,
        message.model_dump_json(by_alias=True),
        delay_seconds=delay_seconds,
    )


SOR_RETRY_FIRST_SECONDS = 30
SOR_RETRY_MAX_SECONDS = 15 * 60
SOR_RETRY_ATTEMPTS = 8
"""30 s, 1, 2, 4, 8 min, then 15 min thrice: about an hour, when the hourly update takes over."""


def sor_retry_delay(attempt: int) -> int:
    """The wait before the attempt-th retry (from 0) of a request that found the SoR down."""
    return min(SOR_RETRY_FIRST_SECONDS << min(attempt, 10), SOR_RETRY_MAX_SECONDS)


def send_again_later(
    backends: Backends, queue: str, request: CamelModel, attempt: int
) -> int | None:
    """The SoR is down: queue `request` (a message with an `attempt` count) again, later each
    time, instead of letting the host retry it at once and poison it after five quick tries.
    Returns the delay, or None once SOR_RETRY_ATTEMPTS are spent: the caller logs that it
    gives the request up, and says what catches up."""
    if attempt >= SOR_RETRY_ATTEMPTS:
        return None
    delay = sor_retry_delay(attempt)
    retry = request.model_copy(update={"attempt": attempt + 1})
    backends.queue.send(queue, retry.model_dump_json(by_alias=True), delay_seconds=delay)
    return delay


def retry_when_sor_is_back(backends: Backends, request: MembershipRefreshRequest) -> int | None:
    """A membership refresh that found the SoR down waits (send_again_later); given up, it is
    logged: the hourly update refreshes every membership whose SoR rows changed, once the SoR
    answers again."""
    delay = send_again_later(backends, MEMBERSHIP_REFRESH_QUEUE, request, request.attempt)
    if delay is None:
        log.warning(
            "refresh of %s/%s (%s) dropped: the SoR was down %d times; the hourly update "
            "catches up",
            request.program,
            request.membership_number,
            request.reason.value,
            request.attempt,
        )
    return delay
