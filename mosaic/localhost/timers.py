"""Timer functions fired on their NCRONTAB schedules (six fields, seconds first, UTC).

One asyncio task per timer: compute the next occurrence from the wall clock, sleep
until it, claim it in the schedule monitor (mosaic/localhost/schedule.py: of several
hosts on one store, one fires it), invoke. An invocation that runs past the next
occurrence skips it (no overlap, as the Functions host's singleton lock does). A failure
is logged and the timer keeps its schedule. At start, an occurrence missed while no host
ran fires once as past due; otherwise `runOnStartup` fires once. Without a document store
there is no monitor: every host fires every occurrence and nothing missed is caught up.
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
from mosaic.localhost.schedule import Claimed, ScheduleMonitor

logger = logging.getLogger("mosaic.host")

PAST_DUE_AFTER = timedelta(seconds=1)
"""An invocation later than this after its scheduled time is reported as past due."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def next_occurrence(schedule: str, after: datetime) -> datetime:
    """The first occurrence of the schedule strictly after `after` (an aware datetime)."""
    if ":" in schedule:
        interval = timedelta(seconds=parse_timespan(schedule))
        return _EPOCH + ((after - _EPOCH) // interval + 1) * interval
    occurrence: datetime = croniter(schedule, after, second_at_beginning=True).get_next(datetime)
    return occurrence


def latest_occurrence(schedule: str, at: datetime) -> datetime:
    """The last occurrence of the schedule at or before `at`."""
    following = next_occurrence(schedule, at)
    if ":" in schedule:
        return following - timedelta(seconds=parse_timespan(schedule))
    occurrence: datetime = croniter(schedule, following, second_at_beginning=True).get_prev(
        datetime
    )
    return occurrence


def validate_schedule(schedule: str) -> None:
    """Raise ValueError for a schedule that is neither six NCRONTAB fields nor hh:mm:ss."""
    if ":" in schedule:
        parse_timespan(schedule)
        return
    if len(schedule.split()) != 6 or not croniter.is_valid(schedule, second_at_beginning=True):
        raise ValueError(f"not a six-field NCRONTAB schedule: {schedule!r}")


class Timer:
    """One timer function on its schedule; `start()` settles what is owed at start, `run()`
    fires on schedule until cancelled."""

    def __init__(
        self, spec: FunctionSpec, monitor: ScheduleMonitor | None, timeout: float | None
    ) -> None:
        if spec.schedule is None:
            raise ValueError(f"{spec.name} has no schedule")
        self.spec, self.schedule = spec, spec.schedule
        self._monitor, self._timeout = monitor, timeout

    async def start(self) -> datetime | None:
        """The occurrence missed while no host ran, if any (to fire as past due)."""
        if self._monitor is None:
            return None
        latest = latest_occurrence(self.schedule, datetime.now(UTC))
        try:
            return await asyncio.to_thread(self._monitor.missed, self.spec.name, latest)
        except Exception:
            logger.exception(
                "%s: reading its schedule status failed; nothing caught up", self.spec.name
            )
            return None

    async def run(self, missed: datetime | None) -> None:
        if missed is not None:
            await self._claim_and_fire(missed, past_due=True)
        elif self.spec.run_on_startup:
            await self.fire(TimerRequest(past_due=False))
        last = datetime.now(UTC)
        while True:
            due = next_occurrence(self.schedule, max(datetime.now(UTC), last))
            await _sleep_until(due)
            last = due
            await self._claim_and_fire(due, past_due=datetime.now(UTC) - due > PAST_DUE_AFTER)

    async def _claim_and_fire(self, occurrence: datetime, *, past_due: bool) -> None:
        if self._monitor is None:
            claimed = Claimed(occurrence, None, None)
        else:
            following = next_occurrence(self.schedule, occurrence)
            claim = self._monitor.claim
            try:
                found = await asyncio.to_thread(claim, self.spec.name, occurrence, following)
            except Exception:  # not fired rather than maybe fired twice
                logger.exception("%s: claiming %s failed; skipped", self.spec.name, occurrence)
                return
            if found is None:
                logger.debug("%s: %s fired by another host", self.spec.name, occurrence)
                return
            claimed = found
        schedule_status = claimed.schedule_status()
        await self.fire(TimerRequest(past_due=past_due, schedule_status=schedule_status))

    async def fire(self, request: TimerRequest) -> bool:
        """Invoke once; True when it succeeded. Failures are logged, not raised."""
        started = time.perf_counter()
        try:
            await call_async(self.spec, request, timeout=self._timeout)
        except Exception:
            logger.exception("%s raised an exception", self.spec.name)
            invocations.record(self.spec, "error", started)
            return False
        invocations.record(self.spec, "ok", started)
        return True


async def _sleep_until(due: datetime) -> None:
    """Sleep on the wall clock: the loop's monotonic clock may wake a little early."""
    while (remaining := (due - datetime.now(UTC)).total_seconds()) > 0:
        await asyncio.sleep(remaining)
