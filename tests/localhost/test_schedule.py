"""The schedule monitor: hosts on one data directory fire each occurrence once, and an
occurrence missed while no host ran is fired once, as past due, by the next host to start."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import azure.functions as func
import pytest

from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.localhost import build_asgi_app
from mosaic.localhost.schedule import ScheduleMonitor
from mosaic.localhost.timers import latest_occurrence, next_occurrence
from tests.localhost.conftest import run_lifespans

HOURLY = "0 0 * * * *"
Fired = list[tuple[bool, str | None]]


def _timer_app(schedule: str, fired: Fired) -> func.FunctionApp:
    app = func.FunctionApp()
    lock = threading.Lock()

    @app.timer_trigger(schedule=schedule, arg_name="timer")
    def job(timer: func.TimerRequest) -> None:
        with lock:
            status = getattr(timer, "schedule_status", {})  # Azure's ScheduleStatus
            fired.append((timer.past_due, status.get("Next")))

    return app


def _record_last_run(store: SqliteDocumentStore, occurrence: datetime) -> None:
    """What a host that ran the timer at `occurrence`, and then stopped, left behind."""
    ScheduleMonitor(store, "an earlier host").claim(
        "job", occurrence, next_occurrence(HOURLY, occurrence)
    )


def test_two_hosts_on_one_store_fire_each_occurrence_once(
    open_store: Callable[[], SqliteDocumentStore],
) -> None:
    fired: Fired = []
    app = _timer_app("*/1 * * * * *", fired)
    hosts = [
        build_asgi_app(app, queue=None, documents=open_store(), host_json={}, queues=False)
        for _ in range(2)
    ]

    run_lifespans(hosts, lambda: len(fired) >= 2, 4.0)

    occurrences = [occurrence for _, occurrence in fired]
    assert len(occurrences) >= 2
    assert len(set(occurrences)) == len(occurrences), (
        f"fired twice: {sorted(map(str, occurrences))}"
    )


def test_hosts_started_after_missed_occurrences_fire_the_latest_once_as_past_due(
    open_store: Callable[[], SqliteDocumentStore],
) -> None:
    store = open_store()
    latest = latest_occurrence(HOURLY, datetime.now(UTC))
    _record_last_run(store, latest - timedelta(hours=5))
    fired: Fired = []
    app = _timer_app(HOURLY, fired)
    hosts = [
        build_asgi_app(app, queue=None, documents=open_store(), host_json={}, queues=False)
        for _ in range(2)
    ]

    run_lifespans(hosts, lambda: bool(fired), 3.0)

    assert fired == [(True, latest.isoformat())]
    assert ScheduleMonitor(store, "check").claim("job", latest, latest) is None, "recorded"


def test_a_host_whose_last_run_is_the_latest_occurrence_fires_nothing_at_start(
    open_store: Callable[[], SqliteDocumentStore],
) -> None:
    store = open_store()
    _record_last_run(store, latest_occurrence(HOURLY, datetime.now(UTC)))
    fired: Fired = []
    host = build_asgi_app(
        _timer_app(HOURLY, fired), queue=None, documents=store, host_json={}, queues=False
    )

    run_lifespans([host], lambda: False, 0.3)

    assert fired == []


def test_of_many_clients_claiming_one_occurrence_exactly_one_wins(
    open_store: Callable[[], SqliteDocumentStore],
) -> None:
    occurrence = datetime(2026, 3, 1, 8, tzinfo=UTC)
    monitors = [ScheduleMonitor(open_store(), f"host {n}") for n in range(4)]
    barrier = threading.Barrier(len(monitors))

    def claim(monitor: ScheduleMonitor) -> bool:
        barrier.wait()
        return monitor.claim("job", occurrence, occurrence + timedelta(hours=1)) is not None

    with ThreadPoolExecutor(len(monitors)) as pool:
        won = list(pool.map(claim, monitors))

    assert won.count(True) == 1


def test_a_store_that_fails_leaves_the_host_running_and_says_so(
    open_store: Callable[[], SqliteDocumentStore], caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store()
    store.close()
    fired: Fired = []
    host = build_asgi_app(
        _timer_app(HOURLY, fired), queue=None, documents=store, host_json={}, queues=False
    )

    run_lifespans([host], lambda: False, 0.1)

    assert fired == []
    assert any("reading its schedule status failed" in r.getMessage() for r in caplog.records)
