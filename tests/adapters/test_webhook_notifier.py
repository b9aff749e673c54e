"""The webhook notifier against a local provider endpoint (tests/webhook_receiver.py): what it
signs, what it retries and what it gives up on. Waits between attempts are recorded, not slept."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from mosaic.adapters.azure.webhook_notifier import RetryPolicy, WebhookNotifier
from mosaic.domain.membership import Channel
from mosaic.ports.notifier import (
    Notification,
    NotificationFailed,
    NotificationRefused,
    NotifierUnavailable,
)
from tests.webhook_receiver import SECRET, Fault, WebhookReceiver

POLICY = RetryPolicy(attempts=4, base_delay_seconds=0.5, max_delay_seconds=1.5)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    started = WebhookReceiver()
    yield started
    started.stop()


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def notifier(receiver: WebhookReceiver, waits: list[float]) -> Iterator[WebhookNotifier]:
    opened = WebhookNotifier(receiver.url, SECRET, retry=POLICY, sleep=waits.append)
    yield opened
    opened.close()


def reminder(key: str | None = "expiry:M0001:2026-01", program: str = "P1") -> Notification:
    return Notification(
        program=program,
        membership_number="M0001",
        channel=Channel.EMAIL,
        template="expiry-d7",
        to="somchai@example.com",
        data={"points": 120, "expiresOn": "2026-01-31", "name": "สมชาย"},
        idempotency_key=key,
    )


def expected_signature(timestamp: str, body: bytes) -> str:
    """The documented scheme, computed here independently of the adapter."""
    mac = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signed_headers(body: bytes, age_seconds: int = 0) -> dict[str, str]:
    timestamp = str(int(time.time()) - age_seconds)
    return {
        "Idempotency-Key": "k1",
        "X-Mosaic-Timestamp": timestamp,
        "X-Mosaic-Signature": expected_signature(timestamp, body),
    }


def test_request_is_signed_over_timestamp_and_body(
    notifier: WebhookNotifier, receiver: WebhookReceiver
) -> None:
    notifier.send(reminder())

    (request,) = receiver.received
    timestamp = request.headers["X-Mosaic-Timestamp"]
    assert request.headers["X-Mosaic-Signature"] == expected_signature(timestamp, request.body)
    assert abs(int(timestamp) - time.time()) < 60
    assert request.status == 200


def test_body_is_the_notification_in_camel_case(
    notifier: WebhookNotifier, receiver: WebhookReceiver
) -> None:
    notifier.send(reminder())

    (request,) = receiver.received
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "program": "P1",
        "membershipNumber": "M0001",
        "channel": "email",
        "template": "expiry-d7",
        "to": "somchai@example.com",
        "data": {"points": 120, "expiresOn": "2026-01-31", "name": "สมชาย"},
        "idempotencyKey": "expiry:M0001:2026-01",
        "subject": None,
        "html": None,
        "text": None,
    }


def test_email_is_delivered_as_rendered(
    notifier: WebhookNotifier, receiver: WebhookReceiver
) -> None:
    rendered = dataclasses.replace(
        reminder(), subject="120 points expire", html="<p>฿ &amp; co</p>", text="฿ & co"
    )

    notifier.send(rendered)

    (request,) = receiver.received
    body = json.loads(request.body)
    assert (body["subject"], body["html"], body["text"]) == (
        "120 points expire",
        "<p>฿ &amp; co</p>",
        "฿ & co",
    )


def test_delivery_id_is_the_providers(notifier: WebhookNotifier, receiver: WebhookReceiver) -> None:
    delivery_id = notifier.send(reminder())

    assert delivery_id
    assert notifier.send(reminder()) == delivery_id
    assert len(receiver.delivered) == 1


def test_idempotency_key_header_is_stable_per_program_and_key(
    notifier: WebhookNotifier, receiver: WebhookReceiver
) -> None:
    notifier.send(reminder(program="P1"))
    notifier.send(reminder(program="P1"))
    notifier.send(reminder(program="P2"))

    keys = [request.headers["Idempotency-Key"] for request in receiver.received]
    assert keys[0] == keys[1] != keys[2]
    assert all(len(key) == 64 for key in keys)


def test_503_is_retried_with_the_same_key_after_bounded_jittered_waits(
    notifier: WebhookNotifier, receiver: WebhookReceiver, waits: list[float]
) -> None:
    receiver.fail_next(3, Fault(503))

    delivery_id = notifier.send(reminder(key=None))

    assert [request.status for request in receiver.received] == [503, 503, 503, 200]
    assert len({request.headers["Idempotency-Key"] for request in receiver.received}) == 1
    assert receiver.delivered[receiver.received[0].headers["Idempotency-Key"]]
    assert delivery_id
    ceilings = [0.5, 1.0, 1.5]  # base * 2**retry, capped at the policy's maximum
    assert len(waits) == 3
    for wait, ceiling in zip(waits, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling


def test_429_waits_as_long_as_retry_after_says(
    notifier: WebhookNotifier, receiver: WebhookReceiver, waits: list[float]
) -> None:
    receiver.fail_next(1, Fault(429, retry_after="2"))

    notifier.send(reminder())

    assert waits == [2.0]
    assert [request.status for request in receiver.received] == [429, 200]


def test_retry_after_beyond_what_a_send_may_wait_is_handed_to_the_caller(
    notifier: WebhookNotifier, receiver: WebhookReceiver, waits: list[float]
) -> None:
    receiver.fail_next(1, Fault(429, retry_after="3600"))

    with pytest.raises(NotifierUnavailable) as raised:
        notifier.send(reminder())

    assert raised.value.retry_after == 3600
    assert waits == []
    assert len(receiver.received) == 1


def test_gives_up_after_the_policys_attempts(
    notifier: WebhookNotifier, receiver: WebhookReceiver, waits: list[float]
) -> None:
    receiver.fail_next(10, Fault(500))

    with pytest.raises(NotifierUnavailable, match="4 attempt"):
        notifier.send(reminder())

    assert len(receiver.received) == POLICY.attempts
    assert len(waits) == POLICY.attempts - 1
    assert receiver.delivered == {}


def test_dropped_connection_is_retried(
    notifier: WebhookNotifier, receiver: WebhookReceiver
) -> None:
    receiver.fail_next(1, Fault(None))

    assert notifier.send(reminder())
    assert [request.status for request in receiver.received] == [None, 200]


def test_timeout_is_retried(receiver: WebhookReceiver, waits: list[float]) -> None:
    impatient = WebhookNotifier(
        receiver.url, SECRET, retry=POLICY, timeout_seconds=0.2, sleep=waits.append
    )
    receiver.fail_next(1, Fault(None, delay=0.5))

    assert impatient.send(reminder())
    assert len(waits) == 1
    impatient.close()


def test_400_is_refused_without_retry(
    notifier: WebhookNotifier, receiver: WebhookReceiver, waits: list[float]
) -> None:
    receiver.fail_next(1, Fault(400, body=b'{"title":"unknown template"}'))

    with pytest.raises(NotificationRefused, match=r"400.*unknown template"):
        notifier.send(reminder())

    assert len(receiver.received) == 1
    assert waits == []


def test_wrong_secret_is_refused_by_the_receiver_without_retry(
    receiver: WebhookReceiver, waits: list[float]
) -> None:
    impostor = WebhookNotifier(receiver.url, "not-the-secret", retry=POLICY, sleep=waits.append)

    with pytest.raises(NotificationRefused, match="401"):
        impostor.send(reminder())

    assert [request.status for request in receiver.received] == [401]
    assert receiver.delivered == {}
    impostor.close()


def test_receiver_refuses_a_tampered_body(receiver: WebhookReceiver) -> None:
    signed = b'{"program":"P1","to":"somchai@example.com"}'
    sent = b'{"program":"P1","to":"attacker@example.com"}'
    headers = signed_headers(signed)

    tampered = httpx.post(receiver.url, content=sent, headers=headers)
    genuine = httpx.post(receiver.url, content=signed, headers=headers)

    assert tampered.status_code == 401
    assert genuine.status_code == 200
    assert receiver.delivered == {"k1": json.loads(signed)}


def test_receiver_refuses_a_replayed_old_request(receiver: WebhookReceiver) -> None:
    body = b'{"program":"P1"}'

    replayed = httpx.post(receiver.url, content=body, headers=signed_headers(body, 3600))

    assert replayed.status_code == 401


def test_answer_without_a_delivery_id_fails_clearly(
    notifier: WebhookNotifier, receiver: WebhookReceiver
) -> None:
    receiver.fail_next(1, Fault(200, body=b'{"status":"queued"}'))

    with pytest.raises(NotificationFailed, match="deliveryId"):
        notifier.send(reminder())


@pytest.mark.parametrize(
    "url", ["http://messaging.example.com/hook", "ftp://127.0.0.1/hook", "not a url"]
)
def test_webhook_must_be_https_except_on_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        WebhookNotifier(url, SECRET)


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        WebhookNotifier("https://messaging.example.com/hook", "")
