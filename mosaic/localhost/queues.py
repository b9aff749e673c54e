"""Queue functions fed from the MessageQueue port with the Functions host's queue semantics.

A batch of up to batchSize messages is received with a processing visibility that is
extended while the batch is worked on (mosaic/localhost/renewal.py). Per message
(host.json `extensions.queues`):
- received with a dequeue count above maxDequeueCount (the host crashed while
  processing it, again and again): moved to `<queue>-poison` without invoking;
- the function succeeds: the message is deleted;
- the function fails, or runs past functionTimeout, on the maxDequeueCount-th attempt:
  the body is sent to `<queue>-poison` and the original deleted;
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

from azure.functions.queue import QueueMessage

from mosaic.localhost.discovery import FunctionSpec
from mosaic.localhost.hostconfig import HostConfig
from mosaic.localhost.invoke import FunctionTimedOut, call_blocking, invocations
from mosaic.localhost.renewal import KeptHidden
from mosaic.ports.queue import MessageLost, MessageQueue, QueuedMessage, poison_queue_name

logger = logging.getLogger("mosaic.host")

Outcome = Literal["ok", "error", "poison"]
PROCESSING_VISIBILITY_SECONDS = 10 * 60
"""How long a received message is hidden at a time while its batch is processed (Azure's
10 minutes), extended every half of it."""
FIRST_POLL_DELAY = 0.1


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
    if not messages:
        return []
    with KeptHidden(queue, name, messages, processing_visibility) as hidden:
        return [_process(queue, spec, config, message, hidden) for message in messages]


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
            outcomes = await asyncio.to_thread(process_batch, queue, spec, config)
        except Exception:
            logger.exception("%s: polling queue %s failed", spec.name, spec.queue_name)
            outcomes = []
        if outcomes:
            delay = FIRST_POLL_DELAY
            continue
        await asyncio.sleep(delay)
        delay = min(delay * 2, config.max_polling_interval)


def _process(
    queue: MessageQueue,
    spec: FunctionSpec,
    config: HostConfig,
    message: QueuedMessage,
    hidden: KeptHidden,
) -> Outcome:
    """Invoke the function on one received message and settle the message (module docstring)."""
    started = time.perf_counter()
    name = _queue_name(spec)
    outcome: Outcome = "ok"
    if message.dequeue_count > config.max_dequeue_count:
        reason = f"dequeued {message.dequeue_count} times (max {config.max_dequeue_count})"
        outcome = _poison(queue, spec, hidden, message, f"{reason} without completing")
    else:
        try:
            call_blocking(spec, to_queue_message(message), timeout=config.function_timeout)
            _settle(hidden, spec, message, lambda current: queue.delete(name, current))
        except FunctionTimedOut as error:
            logger.error("%s on message %s; counted as a failure", error, message.id)
            outcome = _settle_failure(queue, spec, config, hidden, message)
        except Exception:
            logger.exception("%s raised on message %s", spec.name, message.id)
            outcome = _settle_failure(queue, spec, config, hidden, message)
    invocations.record(spec, outcome, started)
    return outcome


def _settle_failure(
    queue: MessageQueue,
    spec: FunctionSpec,
    config: HostConfig,
    hidden: KeptHidden,
    message: QueuedMessage,
) -> Outcome:
    if message.dequeue_count >= config.max_dequeue_count:
        return _poison(queue, spec, hidden, message, f"failed {message.dequeue_count} times")
    name, retry_after = _queue_name(spec), math.ceil(config.visibility_timeout)

    def release(current: QueuedMessage) -> None:
        queue.release(name, current, visibility_timeout=retry_after)

    _settle(hidden, spec, message, release)
    return "error"


def _poison(
    queue: MessageQueue,
    spec: FunctionSpec,
    hidden: KeptHidden,
    message: QueuedMessage,
    reason: str,
) -> Outcome:
    """Move the message to `<queue>-poison`, where an operator finds it."""
    name = _queue_name(spec)
    poison = poison_queue_name(name)

    def move(current: QueuedMessage) -> None:
        logger.warning("%s: message %s %s; moved to %s", spec.name, message.id, reason, poison)
        queue.send(poison, current.body)
        queue.delete(name, current)

    _settle(hidden, spec, message, move)
    return "poison"


def _settle(
    hidden: KeptHidden,
    spec: FunctionSpec,
    message: QueuedMessage,
    action: Callable[[QueuedMessage], None],
) -> None:
    """Delete, release or poison the message with its latest pop receipt. A message lost
    meanwhile (visible again: another consumer may have it) is theirs now."""
    with hidden.settling(message) as current:
        try:
            if current is None:
                raise MessageLost(message.id)
            action(current)
        except MessageLost:
            logger.warning(
                "%s: message %s became visible again before it was settled", spec.name, message.id
            )


def _queue_name(spec: FunctionSpec) -> str:
    if spec.queue_name is None:
        raise ValueError(f"{spec.name} is not a queue function")
    return spec.queue_name
