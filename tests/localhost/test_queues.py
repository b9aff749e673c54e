"""Queue functions get host.json queue semantics: delete on success, retries, poison queue."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import azure.functions as func
import pytest

from mosaic.adapters.embedded.queue import SqliteQueue
from mosaic.localhost import build_asgi_app, load_host_config, process_batch, registered_functions
from mosaic.localhost.discovery import FunctionSpec

app = func.FunctionApp()
handled: list[dict[str, object]] = []
attempts: list[int | None] = []


@app.queue_trigger(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")
def handle_order(msg: func.QueueMessage) -> None:
    handled.append({"body": msg.get_json(), "dequeueCount": msg.dequeue_count, "id": msg.id})


@app.queue_trigger(arg_name="msg", queue_name="doomed", connection="AzureWebJobsStorage")
def always_fails(msg: func.QueueMessage) -> None:
    attempts.append(msg.dequeue_count)
    raise RuntimeError("cannot handle this")


slow_runs: list[str] = []
unstick = threading.Event()
slow_started = threading.Event()


@app.queue_trigger(arg_name="msg", queue_name="slow-jobs", connection="AzureWebJobsStorage")
def slow_job(msg: func.QueueMessage) -> None:
    slow_started.set()
    time.sleep(1.6)
    slow_runs.append(msg.get_body().decode())


@app.queue_trigger(arg_name="msg", queue_name="stuck-jobs", connection="AzureWebJobsStorage")
def stuck_job(msg: func.QueueMessage) -> None:
    unstick.wait(10)


CONFIG = load_host_config(
    {"extensions": {"queues": {"maxDequeueCount": 3, "visibilityTimeout": "00:00:00"}}}
)


class Clock:
    """The queue's time source, moved by hand so visibility timeouts pass without sleeping."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def queue(tmp_path: Path, clock: Clock) -> Iterator[SqliteQueue]:
    sqlite_queue = SqliteQueue(tmp_path / "queues.db", time_source=clock)
    yield sqlite_queue
    sqlite_queue.close()


@pytest.fixture(autouse=True)
def _forget_calls() -> None:
    handled.clear()
    attempts.clear()
    slow_runs.clear()
    slow_started.clear()


def _spec(name: str) -> FunctionSpec:
    return next(spec for spec in registered_functions(app) if spec.name == name)


def test_a_handled_message_is_deleted(queue: SqliteQueue) -> None:
    message_id = queue.send("orders", json.dumps({"order": 1}))

    outcomes = process_batch(queue, _spec("handle_order"), CONFIG)

    assert outcomes == ["ok"]
    assert handled == [{"body": {"order": 1}, "dequeueCount": 1, "id": message_id}]
    assert queue.count("orders") == 0


def test_a_failing_message_is_retried_max_dequeue_count_times_then_poisoned(
    queue: SqliteQueue,
) -> None:
    queue.send("doomed", "payload")
    spec = _spec("always_fails")

    outcomes = [outcome for _ in range(5) for outcome in process_batch(queue, spec, CONFIG)]

    assert attempts == [1, 2, 3]
    assert outcomes == ["error", "error", "poison"]
    assert queue.count("doomed") == 0
    assert [message.body for message in queue.peek("doomed-poison")] == ["payload"]


def test_a_failed_message_waits_out_the_visibility_timeout(
    queue: SqliteQueue, clock: Clock
) -> None:
    config = load_host_config({"extensions": {"queues": {"visibilityTimeout": "00:00:30"}}})
    queue.send("doomed", "payload")
    spec = _spec("always_fails")

    assert process_batch(queue, spec, config) == ["error"]
    assert process_batch(queue, spec, config) == []
    clock.now += 31
    assert process_batch(queue, spec, config) == ["error"]
    assert attempts == [1, 2]


def test_a_message_dequeued_too_often_is_poisoned_without_running_the_function(
    queue: SqliteQueue, clock: Clock
) -> None:
    queue.send("orders", json.dumps({"order": 2}))
    for _ in range(CONFIG.max_dequeue_count):  # the host died while processing it, each time
        queue.receive("orders", max_messages=1, visibility_timeout=60)
        clock.now += 61

    outcomes = process_batch(queue, _spec("handle_order"), CONFIG)

    assert outcomes == ["poison"]
    assert handled == []
    assert queue.count("orders") == 0
    assert [m.body for m in queue.peek("orders-poison")] == [json.dumps({"order": 2})]


def test_each_message_logs_one_debug_line(
    queue: SqliteQueue, caplog: pytest.LogCaptureFixture
) -> None:
    queue.send("orders", "{}")
    queue.send("doomed", "x")

    with caplog.at_level(logging.DEBUG, logger="mosaic.host"):
        process_batch(queue, _spec("handle_order"), CONFIG)
        process_batch(queue, _spec("always_fails"), CONFIG)

    lines = [r.getMessage() for r in caplog.records if r.name == "mosaic.host" and not r.exc_info]
    assert any(line.startswith("handle_order queue ok ") and line.endswith("ms") for line in lines)
    assert any(line.startswith("always_fails queue error ") for line in lines)


def test_the_host_polls_queues_while_it_runs(tmp_path: Path) -> None:
    sqlite_queue = SqliteQueue(tmp_path / "queues.db")
    asgi = build_asgi_app(app, queue=sqlite_queue, host_json={}, timers=False)

    async def run() -> None:
        async with asgi.running():
            await asyncio.sleep(0.2)  # the poller has found the queue empty and backs off
            sqlite_queue.send("orders", json.dumps({"order": 3}))
            deadline = time.monotonic() + 3
            while not handled and time.monotonic() < deadline:
                await asyncio.sleep(0.05)

    try:
        asyncio.run(run())
        assert [call["body"] for call in handled] == [{"order": 3}]
        assert sqlite_queue.count("orders") == 0
    finally:
        sqlite_queue.close()


def test_a_message_stays_hidden_while_its_function_outlives_the_processing_visibility(
    tmp_path: Path,
) -> None:
    """Received for 1 s at a time and renewed every half of it: a second consumer polling
    the same queue file meanwhile never gets the message the function is working on."""
    host_side, other_side = SqliteQueue(tmp_path / "q.db"), SqliteQueue(tmp_path / "q.db")
    host_side.send("slow-jobs", "long")
    seen_by_other: list[str] = []
    outcomes: list[str] = []
    worker = threading.Thread(
        target=lambda: outcomes.extend(
            process_batch(host_side, _spec("slow_job"), CONFIG, processing_visibility=1)
        )
    )
    try:
        worker.start()
        assert slow_started.wait(10), "the slow job never started"
        while worker.is_alive():
            taken = other_side.receive("slow-jobs", max_messages=1, visibility_timeout=30)
            seen_by_other += [message.body for message in taken]
            time.sleep(0.1)
        worker.join()
    finally:
        host_side.close()
        other_side.close()

    assert (outcomes, slow_runs) == (["ok"], ["long"])
    assert seen_by_other == []
    assert outcomes == ["ok"]


def test_a_function_running_past_function_timeout_counts_as_a_failure(
    queue: SqliteQueue,
) -> None:
    config = load_host_config(
        {"functionTimeout": "00:00:00.2", "extensions": {"queues": {"maxDequeueCount": 2}}}
    )
    queue.send("stuck-jobs", "job")
    spec = _spec("stuck_job")

    try:
        first = process_batch(queue, spec, config)
        second = process_batch(queue, spec, config)
    finally:
        unstick.set()

    assert (first, second) == (["error"], ["poison"])
    assert [message.body for message in queue.peek("stuck-jobs-poison")] == ["job"]
