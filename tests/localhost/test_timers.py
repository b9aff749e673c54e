"""Timer functions fire on their NCRONTAB schedules while the host's lifespan runs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import azure.functions as func
import pytest

from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.localhost import build_asgi_app
from mosaic.localhost.timers import latest_occurrence, next_occurrence, validate_schedule
from tests.localhost.conftest import run_lifespans

app = func.FunctionApp()
fired: dict[str, list[bool]] = {"every_second": [], "always_fails": [], "at_startup": []}
lock = threading.Lock()


def _record(name: str, timer: func.TimerRequest) -> None:
    with lock:
        fired[name].append(timer.past_due)


@app.timer_trigger(schedule="*/1 * * * * *", arg_name="timer")
def every_second(timer: func.TimerRequest) -> None:
    _record("every_second", timer)


@app.timer_trigger(schedule="*/1 * * * * *", arg_name="timer")
async def always_fails(timer: func.TimerRequest) -> None:
    _record("always_fails", timer)
    raise RuntimeError("the job failed")


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=True)
def at_startup(timer: func.TimerRequest) -> None:
    _record("at_startup", timer)


def test_timers_fire_on_schedule_and_a_failing_one_keeps_firing(
    caplog: pytest.LogCaptureFixture, open_store: Callable[[], SqliteDocumentStore]
) -> None:
    asgi = build_asgi_app(
        app, queue=None, documents=open_store(), host_json={}, timers=True, queues=False
    )

    with caplog.at_level(logging.INFO, logger="mosaic.host"):
        run_lifespans(
            [asgi],
            lambda: len(fired["every_second"]) >= 2 and len(fired["always_fails"]) >= 2,
            3.5,
        )

    assert len(fired["every_second"]) >= 2
    assert len(fired["always_fails"]) >= 2
    assert fired["at_startup"] == [False], "run_on_startup fires once, and not as past due"
    assert fired["every_second"][0] is False, "a timer seen for the first time owes nothing"
    lines = [r.getMessage() for r in caplog.records if not r.exc_info]
    assert any(line.startswith("every_second timer ok ") for line in lines)
    assert any(line.startswith("always_fails timer error ") for line in lines)


def test_timers_stay_off_when_disabled() -> None:
    quiet = func.FunctionApp()
    calls: list[object] = []

    @quiet.timer_trigger(schedule="*/1 * * * * *", arg_name="timer", run_on_startup=True)
    def tick(timer: func.TimerRequest) -> None:
        calls.append(timer)

    asgi = build_asgi_app(quiet, queue=None, host_json={}, timers=False)
    run_lifespans([asgi], lambda: False, 0.2)

    assert calls == []


def test_schedules_are_six_field_ncrontab_with_seconds_first() -> None:
    after = datetime(2026, 3, 1, 7, 59, 59, tzinfo=UTC)

    assert next_occurrence("0 0 * * * *", after) == datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert next_occurrence("30 */15 * * * *", after) == datetime(2026, 3, 1, 8, 0, 30, tzinfo=UTC)
    assert next_occurrence("00:05:00", after) == datetime(2026, 3, 1, 8, tzinfo=UTC)
    with pytest.raises(ValueError, match="NCRONTAB"):
        validate_schedule("0 * * * *")


def test_the_latest_occurrence_includes_the_instant_itself() -> None:
    on_the_hour = datetime(2026, 3, 1, 8, tzinfo=UTC)

    assert latest_occurrence("0 0 * * * *", on_the_hour) == on_the_hour
    assert latest_occurrence("0 0 * * * *", on_the_hour - timedelta(seconds=1)) == datetime(
        2026, 3, 1, 7, tzinfo=UTC
    )
    assert latest_occurrence("00:05:00", on_the_hour + timedelta(minutes=7)) == datetime(
        2026, 3, 1, 8, 5, tzinfo=UTC
    )
