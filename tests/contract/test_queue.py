from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from mosaic.ports.queue import MAX_BODY_BYTES, MessageLost, MessageQueue

# Real seconds, so the same tests hold against Azurite; the sleeps are kept few.
PAST_ONE_SECOND = 1.2


def test_sent_message_is_received_with_its_body_and_a_first_dequeue(
    queue: MessageQueue, queue_name: str
) -> None:
    sent_id = queue.send(queue_name, '{"program": "P1", "key": "M001"}')

    (message,) = queue.receive(queue_name, max_messages=32, visibility_timeout=30)

    assert message.id == sent_id
    assert message.body == '{"program": "P1", "key": "M001"}'
    assert message.dequeue_count == 1
    assert message.pop_receipt
    assert abs(message.inserted_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_received_message_is_hidden_but_still_counted(queue: MessageQueue, queue_name: str) -> None:
    queue.send(queue_name, "hello")
    queue.receive(queue_name, max_messages=1, visibility_timeout=30)

    assert queue.receive(queue_name, max_messages=1, visibility_timeout=30) == []
    assert queue.peek(queue_name) == []
    assert queue.count(queue_name) == 1


def test_unacknowledged_message_is_redelivered_after_visibility_timeout_with_higher_dequeue_count(
    queue: MessageQueue, queue_name: str
) -> None:
    queue.send(queue_name, "work")
    (first,) = queue.receive(queue_name, max_messages=1, visibility_timeout=1)

    time.sleep(PAST_ONE_SECOND)
    (again,) = queue.receive(queue_name, max_messages=1, visibility_timeout=30)

    assert again.id == first.id
    assert again.dequeue_count == 2
    assert again.pop_receipt != first.pop_receipt


def test_deleted_message_is_gone(queue: MessageQueue, queue_name: str) -> None:
    queue.send(queue_name, "work")
    (message,) = queue.receive(queue_name, max_messages=1, visibility_timeout=30)

    queue.delete(queue_name, message)

    assert queue.count(queue_name) == 0
    with pytest.raises(MessageLost):
        queue.delete(queue_name, message)


def test_stale_pop_receipt_cannot_delete(queue: MessageQueue, queue_name: str) -> None:
    queue.send(queue_name, "work")
    (first,) = queue.receive(queue_name, max_messages=1, visibility_timeout=30)
    queue.release(queue_name, first, visibility_timeout=0)
    (second,) = queue.receive(queue_name, max_messages=1, visibility_timeout=30)

    with pytest.raises(MessageLost):
        queue.delete(queue_name, first)
    queue.delete(queue_name, second)
    assert queue.count(queue_name) == 0


def test_released_message_comes_back_with_higher_dequeue_count(
    queue: MessageQueue, queue_name: str
) -> None:
    queue.send(queue_name, "work")
    (first,) = queue.receive(queue_name, max_messages=1, visibility_timeout=30)

    queue.release(queue_name, first, visibility_timeout=0)

    (again,) = queue.receive(queue_name, max_messages=1, visibility_timeout=30)
    assert (again.id, again.dequeue_count) == (first.id, 2)


def test_release_with_stale_pop_receipt_is_refused(queue: MessageQueue, queue_name: str) -> None:
    queue.send(queue_name, "work")
    (message,) = queue.receive(queue_name, max_messages=1, visibility_timeout=30)
    queue.release(queue_name, message, visibility_timeout=30)

    with pytest.raises(MessageLost):
        queue.release(queue_name, message, visibility_timeout=0)
    assert queue.receive(queue_name, max_messages=1, visibility_timeout=30) == []


def test_messages_are_received_oldest_first_up_to_max_messages(
    queue: MessageQueue, queue_name: str
) -> None:
    for n in range(5):
        queue.send(queue_name, f"m{n}")

    first = queue.receive(queue_name, max_messages=3, visibility_timeout=30)
    rest = queue.receive(queue_name, max_messages=32, visibility_timeout=30)

    assert [m.body for m in first] == ["m0", "m1", "m2"]
    assert [m.body for m in rest] == ["m3", "m4"]


def test_peek_shows_visible_messages_without_taking_them(
    queue: MessageQueue, queue_name: str
) -> None:
    queue.send(queue_name, "a")
    queue.send(queue_name, "b")

    assert [m.body for m in queue.peek(queue_name)] == ["a", "b"]
    assert [m.dequeue_count for m in queue.peek(queue_name)] == [0, 0]
    received = queue.receive(queue_name, max_messages=32, visibility_timeout=30)
    assert [m.dequeue_count for m in received] == [1, 1]


def test_delayed_message_is_invisible_until_due(queue: MessageQueue, queue_name: str) -> None:
    queue.send(queue_name, "later", delay_seconds=1)

    assert queue.receive(queue_name, max_messages=1, visibility_timeout=30) == []
    assert queue.count(queue_name) == 1
    time.sleep(PAST_ONE_SECOND)
    assert [m.body for m in queue.receive(queue_name, max_messages=1, visibility_timeout=30)] == [
        "later"
    ]


def test_queues_are_separate(queue: MessageQueue, queue_name: str) -> None:
    queue.send(queue_name, "mine")
    queue.send(f"{queue_name}-poison", "poisoned")

    received = queue.receive(queue_name, max_messages=32, visibility_timeout=30)

    assert [m.body for m in received] == ["mine"]
    assert queue.count(f"{queue_name}-poison") == 1


@pytest.mark.parametrize(
    "name", ["ab", "Upper-case", "under_score", "-leading", "trailing-", "two--hyphens", "x" * 64]
)
def test_invalid_queue_name_is_refused(queue: MessageQueue, name: str) -> None:
    with pytest.raises(ValueError, match="queue name"):
        queue.send(name, "body")


def test_concurrent_receivers_never_share_a_message(
    open_queue: Callable[[], MessageQueue], queue_name: str
) -> None:
    queues = [open_queue(), open_queue()]
    sent = {queues[0].send(queue_name, f"m{n}") for n in range(60)}
    barrier = threading.Barrier(6)

    def drain(worker: int) -> list[str]:
        mine, received = queues[worker % 2], []
        barrier.wait()
        while batch := mine.receive(queue_name, max_messages=4, visibility_timeout=30):
            for message in batch:
                received.append(message.id)
                mine.delete(queue_name, message)
        return received

    with ThreadPoolExecutor(max_workers=6) as pool:
        received = [id for ids in pool.map(drain, range(6)) for id in ids]

    assert Counter(received) == Counter(sent)
    assert queues[1].count(queue_name) == 0


def test_extended_message_stays_hidden_past_its_first_visibility_timeout(
    queue: MessageQueue, queue_name: str
) -> None:
    queue.send(queue_name, "long job")
    (message,) = queue.receive(queue_name, max_messages=1, visibility_timeout=1)

    extended = queue.extend(queue_name, message, visibility_timeout=30)
    time.sleep(PAST_ONE_SECOND)

    assert queue.receive(queue_name, max_messages=1, visibility_timeout=30) == []
    assert (extended.id, extended.body, extended.dequeue_count) == (message.id, "long job", 1)
    assert extended.pop_receipt != message.pop_receipt


def test_extend_spends_the_old_pop_receipt(queue: MessageQueue, queue_name: str) -> None:
    queue.send(queue_name, "work")
    (message,) = queue.receive(queue_name, max_messages=1, visibility_timeout=30)
    extended = queue.extend(queue_name, message, visibility_timeout=30)

    with pytest.raises(MessageLost):
        queue.extend(queue_name, message, visibility_timeout=30)
    with pytest.raises(MessageLost):
        queue.delete(queue_name, message)
    queue.delete(queue_name, extended)
    assert queue.count(queue_name) == 0


def test_extending_by_zero_makes_a_message_visible_at_once(
    queue: MessageQueue, queue_name: str
) -> None:
    queue.send(queue_name, "work")
    (message,) = queue.receive(queue_name, max_messages=1, visibility_timeout=30)

    queue.extend(queue_name, message, visibility_timeout=0)

    assert [m.id for m in queue.receive(queue_name, max_messages=1, visibility_timeout=30)] == [
        message.id
    ]


def test_a_body_up_to_the_size_limit_travels_whole(queue: MessageQueue, queue_name: str) -> None:
    body = "é" * (MAX_BODY_BYTES // 2)  # two bytes each in UTF-8: exactly the limit

    queue.send(queue_name, body)

    (message,) = queue.receive(queue_name, max_messages=1, visibility_timeout=30)
    assert message.body == body


def test_a_body_over_the_size_limit_is_refused_naming_the_limit(
    queue: MessageQueue, queue_name: str
) -> None:
    with pytest.raises(ValueError, match="49,152 bytes"):
        queue.send(queue_name, "é" * (MAX_BODY_BYTES // 2) + "x")

    assert queue.count(queue_name) == 0
