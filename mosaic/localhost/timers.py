"""Timer functions fired on their NCRONTAB schedules (six fields, seconds first, UTC).

One asyncio task per timer: compute the next occurrence from the wall clock,
sleep until it, invoke. An invocation that runs past the next occurrence skips
it (no overlap, as the Functions host's singleton lock does). A failure is
logged and the timer keeps its schedule. `runOnStartup` fires once at start.
A schedule written as an "hh:mm:ss" interval is also accepted, as Azure does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

from azure.functions.timer import TimerRequest
from croniter import croniter

from mosaic.localhost.discovery import FunctionSpec
from mosaic.localhost.hostconfig import parse_timespan
from mosaic.localhost.invoke import call_async, invocations

logger = logging.getLogger("mosaic.host")

PAST_DUE_AFTER = timedelta(seconds=1)
"""An invocation later than this after its scheduled time is reported as past due."""


def next_occurrence(schedule: str, after: datetime) -> datetime:
    """The first occurrence of the schedule strictly after `after` (an aware datetime)."""
    if ":" in schedule:
        interval = timedelta(seconds=parse_timespan(schedule))
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        elapsed = (after - epoch) // interval
        return epoch + (elapsed + 1) * interval
    occurrence: datetime = croniter(schedule, after, second_at_beginning=True).get_next(datetime)
    return occurrence


def validate_schedule(schedule: str) -> None:
    """Raise ValueError for a schedule that is neither six NCRONTAB fields nor hh:mm:ss."""
    if ":" in schedule:
        parse_timespan(schedule)
        return
    if len(schedule.split()) != 6 or not croniter.is_valid(schedule, second_at_beginning=True):
        raise ValueError(f"not a six-field NCRONTAB schedule: {schedule!r}")


async def run_timer(spec: FunctionSpec, timeout: float | None) -> None:
    """Fire the timer function on its schedule until cancelled."""
    if spec.schedule is None:
        raise ValueError(f"{spec.name} has no schedule")
    if spec.run_on_startup:
        await fire(spec, timeout, past_due=False)
    last = datetime.now(UTC)
    while True:
        due = next_occurrence(spec.schedule, max(datetime.now(UTC), last))
        await _sleep_until(due)
        last = due
        await fire(spec, timeout, past_due=datetime.now(UTC) - due > PAST_DUE_AFTER)


async def fire(spec: FunctionSpec, timeout: float | None, *, past_due: bool) -> bool:
    """Invoke the timer function once; True when it succeeded. Failures are logged, not raised."""
    started = time.perf_counter()
    try:
        await call_async(spec, TimerRequest(past_due=past_due), timeout=timeout)
    except Exception:
        logger.exception("%s raised an exception", spec.name)
        invocations.record(spec, "error", started)
        return False
    invocations.record(spec, "ok", started)
    return True


async def _sleep_until(due: datetime) -> None:
    """Sleep on the wall clock: the loop's monotonic clock may wake a little early."""
    while (remaining := (due - datetime.now(UTC)).total_seconds()) > 0:
        await asyncio.sleep(remaining)
