"""Queue functions fed from the MessageQueue port with the Functions host's queue semantics.

Per message (host.json `extensions.queues`):
- received with a dequeue count above maxDequeueCount (the host crashed while
  processing it, again and again): moved to `<queue>-poison` without invoking;
- the function succeeds: the message is deleted;
- the function fails on the maxDequeueCount-th attempt: the body is sent to
  `<queue>-poison` and the original deleted;
- the function fails earlier: the message is released, visible again after
  visibilityTimeout.
An empty queue is polled with an exponential back-off up to maxPollingInterval;
a non-empty batch makes the next poll immediate.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import Literal

import anyio.to_thread
from azure.functions.queue import QueueMessage

from mosaic.localhost.discovery import FunctionSpec
from mosaic.localhost.hostconfig import HostConfig
from mosaic.localhost.invoke import call_blocking, log_invocation
from mosaic.ports.queue import MessageLost, MessageQueue, QueuedMessage

logger = logging.getLogger("mosaic.host")

Outcome = Literal["ok", "error", "poison"]
PROCESSING_VISIBILITY_SECONDS = 5 * 60
"""How long a received message stays hidden while its function runs."""
FIRST_POLL_DELAY = 0.1


def poison_queue_name(queue: str) -> str:
    return f"{queue}-poison"


def process_batch(
    queue: MessageQueue,
    spec: FunctionSpec,
    config: HostConfig,
    *,
    processing_visibility: int = PROCESSING_VISIBILITY_SECONDS,
) -> list[Outcome]:
    """Receive up to batchSize messages and process each; one outcome per message received."""
    name = _queue_name(spec)
    messages = queue.receive(
        name, max_messages=config.batch_size, visibility_timeout=processing_visibility
    )
    return [process_message(queue, spec, config, message) for message in messages]


def process_message(
    queue: MessageQueue, spec: FunctionSpec, config: HostConfig, message: QueuedMessage
) -> Outcome:
    """Invoke the function on one received message and settle the message (module docstring)."""
    name = _queue_name(spec)
    started = time.perf_counter()
    if message.dequeue_count > config.max_dequeue_count:
        reason = f"dequeued {message.dequeue_count} times (max {config.max_dequeue_count})"
        return _poison(queue, spec, message, started, f"{reason} without completing")
    try:
        call_blocking(spec, to_queue_message(message))
    except Exception:
        logger.exception("%s raised on message %s", spec.name, message.id)
        return _settle_failure(queue, spec, config, message, started)
    _settle(lambda: queue.delete(name, message), spec, message)
    log_invocation(spec, "ok", started)
    return "ok"


def to_queue_message(message: QueuedMessage) -> QueueMessage:
    return QueueMessage(
        id=message.id,
        body=message.body.encode("utf-8"),
        dequeue_count=message.dequeue_count,
        insertion_time=message.inserted_at,
        pop_receipt=message.pop_receipt,
    )


async def poll_queue(queue: MessageQueue, spec: FunctionSpec, config: HostConfig) -> None:
    """Process batches until cancelled, backing off exponentially while the queue is empty."""
    delay = FIRST_POLL_DELAY
    while True:
        try:
            outcomes = await anyio.to_thread.run_sync(process_batch, queue, spec, config)
        except Exception:
            logger.exception("%s: polling queue %s failed", spec.name, spec.queue_name)
            outcomes = []
        if outcomes:
            delay = FIRST_POLL_DELAY
            continue
        await asyncio.sleep(delay)
        delay = min(delay * 2, config.max_polling_interval)


def _settle_failure(
    queue: MessageQueue,
    spec: FunctionSpec,
    config: HostConfig,
    message: QueuedMessage,
    started: float,
) -> Outcome:
    name = _queue_name(spec)
    if message.dequeue_count >= config.max_dequeue_count:
        return _poison(queue, spec, message, started, f"failed {message.dequeue_count} times")
    retry_after = math.ceil(config.visibility_timeout)
    _settle(lambda: queue.release(name, message, visibility_timeout=retry_after), spec, message)
    log_invocation(spec, "error", started)
    return "error"


def _poison(
    queue: MessageQueue, spec: FunctionSpec, message: QueuedMessage, started: float, reason: str
) -> Outcome:
    """Move the message to `<queue>-poison`, where an operator finds it."""
    name = _queue_name(spec)
    logger.warning(
        "%s: message %s %s; moved to %s", spec.name, message.id, reason, poison_queue_name(name)
    )
    queue.send(poison_queue_name(name), message.body)
    try:
        queue.delete(name, message)
    except MessageLost:
        logger.warning("%s/%s: lost before its poison copy could replace it", name, message.id)
    log_invocation(spec, "poison", started)
    return "poison"


def _settle(action: Callable[[], None], spec: FunctionSpec, message: QueuedMessage) -> None:
    """Delete or release; a stale pop receipt means another consumer owns the message now."""
    try:
        action()
    except MessageLost:
        logger.warning(
            "%s: message %s became visible again before it was settled", spec.name, message.id
        )


def _queue_name(spec: FunctionSpec) -> str:
    if spec.queue_name is None:
        raise ValueError(f"{spec.name} is not a queue function")
    return spec.queue_name
