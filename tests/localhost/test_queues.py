"""Queue functions get host.json queue semantics: delete on success, retries, poison queue.

Each test runs on the embedded queue and on the Azure Storage Queue adapter against Azurite,
on queues of its own (Azurite's are shared by the whole session).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import azure.functions as func
import pytest

from mosaic.adapters.azure.storage_queue import StorageQueue
from mosaic.adapters.embedded.queue import SqliteQueue
from mosaic.localhost import LocalHost, load_host_config, process_batch, registered_functions
from mosaic.localhost.discovery import FunctionSpec
from mosaic.ports.queue import MessageQueue, poison_queue_name
from tests.servers import Servers, azurite_connection_string

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
    """The embedded queue's time source: real time, moved forward by hand, so a visibility
    timeout passes there without sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


Queue = SqliteQueue | StorageQueue
QUEUES: dict[str, Callable[[Path, Clock, Servers], Queue]] = {
    "sqlite": lambda directory, clock, servers: SqliteQueue(directory / "q.db", time_source=clock),
    "azurite": lambda directory, clock, servers: StorageQueue.from_connection_string(
        azurite_connection_string(servers.azurite())
    ),
}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=sorted(QUEUES))
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def open_queue(
    backend: str, tmp_path: Path, clock: Clock, servers: Servers
) -> Iterator[Callable[[], Queue]]:
    """Clients of one queue backend, as two hosts polling the same queues have."""
    opened: list[Queue] = []

    def open_one() -> Queue:
        opened.append(QUEUES[backend](tmp_path, clock, servers))
        return opened[-1]

    yield open_one
    for queue in opened:
        queue.close()


@pytest.fixture
def queue(open_queue: Callable[[], Queue]) -> MessageQueue:
    return open_queue()


@pytest.fixture
def elapse(backend: str, clock: Clock) -> Callable[[float], None]:
    """Lets seconds pass for the queue: the embedded queue's clock jumps, Azurite's are slept."""

    def elapse(seconds: float) -> None:
        if backend == "sqlite":
            clock.offset += seconds
        else:
            time.sleep(seconds)

    return elapse


class OwnQueues:
    """This test's queue names, and the app's functions polling them."""

    def __init__(self) -> None:
        self._suffix = uuid.uuid4().hex[:12]

    def __call__(self, queue: str) -> str:
        return f"{queue}-{self._suffix}"

    def poison(self, queue: str) -> str:
        return poison_queue_name(self(queue))

    def spec(self, name: str) -> FunctionSpec:
        found = next(spec for spec in registered_functions(app) if spec.name == name)
        return replace(found, queue_name=self(str(found.queue_name)))


@pytest.fixture
def own() -> OwnQueues:
    return OwnQueues()


@pytest.fixture(autouse=True)
def _forget_calls() -> None:
    handled.clear()
    attempts.clear()
    slow_runs.clear()
    slow_started.clear()
    unstick.clear()


def test_a_handled_message_is_deleted(queue: MessageQueue, own: OwnQueues) -> None:
    message_id = queue.send(own("orders"), json.dumps({"order": 1}))

    outcomes = process_batch(queue, own.spec("handle_order"), CONFIG)

    assert outcomes == ["ok"]
    assert handled == [{"body": {"order": 1}, "dequeueCount": 1, "id": message_id}]
    assert queue.count(own("orders")) == 0


def test_a_failing_message_is_retried_max_dequeue_count_times_then_poisoned(
    queue: MessageQueue, own: OwnQueues
) -> None:
    queue.send(own("doomed"), "payload")
    spec = own.spec("always_fails")

    outcomes = [outcome for _ in range(5) for outcome in process_batch(queue, spec, CONFIG)]

    assert attempts == [1, 2, 3]
    assert outcomes == ["error", "error", "poison"]
    assert queue.count(own("doomed")) == 0
    assert [message.body for message in queue.peek(own.poison("doomed"))] == ["payload"]


def test_a_failed_message_waits_out_the_visibility_timeout(
    queue: MessageQueue, own: OwnQueues, elapse: Callable[[float], None]
) -> None:
    config = load_host_config({"extensions": {"queues": {"visibilityTimeout": "00:00:01"}}})
    queue.send(own("doomed"), "payload")
    spec = own.spec("always_fails")

    assert process_batch(queue, spec, config) == ["error"]
    assert process_batch(queue, spec, config) == []
    elapse(1.2)
    assert process_batch(queue, spec, config) == ["error"]
    assert attempts == [1, 2]


def test_a_message_dequeued_too_often_is_poisoned_without_running_the_function(
    queue: MessageQueue, own: OwnQueues
) -> None:
    queue.send(own("orders"), json.dumps({"order": 2}))
    for _ in range(CONFIG.max_dequeue_count):  # taken, and back unfinished: a host died on it
        (taken,) = queue.receive(own("orders"), max_messages=1, visibility_timeout=60)
        queue.release(own("orders"), taken, visibility_timeout=0)

    outcomes = process_batch(queue, own.spec("handle_order"), CONFIG)

    assert outcomes == ["poison"]
    assert handled == []
    assert queue.count(own("orders")) == 0
    assert [m.body for m in queue.peek(own.poison("orders"))] == [json.dumps({"order": 2})]


def test_each_message_logs_one_debug_line(
    queue: MessageQueue, own: OwnQueues, caplog: pytest.LogCaptureFixture
) -> None:
    queue.send(own("orders"), "{}")
    queue.send(own("doomed"), "x")

    with caplog.at_level(logging.DEBUG, logger="mosaic.host"):
        process_batch(queue, own.spec("handle_order"), CONFIG)
        process_batch(queue, own.spec("always_fails"), CONFIG)

    lines = [r.getMessage() for r in caplog.records if r.name == "mosaic.host" and not r.exc_info]
    assert any(line.startswith("handle_order queue ok ") and line.endswith("ms") for line in lines)
    assert any(line.startswith("always_fails queue error ") for line in lines)


def test_the_host_polls_queues_while_it_runs(queue: MessageQueue, own: OwnQueues) -> None:
    host = LocalHost(
        [own.spec("handle_order")],
        load_host_config({}),
        queue=queue,
        documents=None,
        timers=False,
        queues=True,
    )

    async def run() -> None:
        async with host.running():
            await asyncio.sleep(0.2)  # the poller has found the queue empty and backs off
            queue.send(own("orders"), json.dumps({"order": 3}))
            deadline = time.monotonic() + 3
            while not handled and time.monotonic() < deadline:
                await asyncio.sleep(0.05)

    asyncio.run(run())

    assert [call["body"] for call in handled] == [{"order": 3}]
    assert queue.count(own("orders")) == 0


def test_a_message_stays_hidden_while_its_function_outlives_the_processing_visibility(
    open_queue: Callable[[], MessageQueue], own: OwnQueues
) -> None:
    """Received for 1 s at a time and renewed every half of it: a second consumer polling
    the same queue meanwhile never gets the message the function is working on."""
    host_side, other_side = open_queue(), open_queue()
    host_side.send(own("slow-jobs"), "long")
    seen_by_other: list[str] = []
    outcomes: list[str] = []
    worker = threading.Thread(
        target=lambda: outcomes.extend(
            process_batch(host_side, own.spec("slow_job"), CONFIG, processing_visibility=1)
        )
    )
    worker.start()
    assert slow_started.wait(10), "the slow job never started"
    while worker.is_alive():
        taken = other_side.receive(own("slow-jobs"), max_messages=1, visibility_timeout=30)
        seen_by_other += [message.body for message in taken]
        time.sleep(0.1)
    worker.join()

    assert (outcomes, slow_runs) == (["ok"], ["long"])
    assert seen_by_other == []
    assert other_side.count(own("slow-jobs")) == 0


def test_a_function_running_past_function_timeout_counts_as_a_failure(
    queue: MessageQueue, own: OwnQueues
) -> None:
    config = load_host_config(
        {"functionTimeout": "00:00:00.2", "extensions": {"queues": {"maxDequeueCount": 2}}}
    )
    queue.send(own("stuck-jobs"), "job")
    spec = own.spec("stuck_job")

    try:
        first = process_batch(queue, spec, config)
        second = process_batch(queue, spec, config)
    finally:
        unstick.set()

    assert (first, second) == (["error"], ["poison"])
    assert [message.body for message in queue.peek(own.poison("stuck-jobs"))] == ["job"]
