"""Notifier that POSTs each notification, HMAC-signed, to the messaging provider's webhook.

What the provider receives (the contract to give it):

    POST <MOSAIC_NOTIFIER_WEBHOOK_URL>
    Content-Type: application/json
    Idempotency-Key: <64 hex digits>
    X-Mosaic-Timestamp: <unix seconds when this attempt was signed>
    X-Mosaic-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body bytes)>

    {"program": "...", "membershipNumber": "...", "channel": "push|sms|email",
     "template": "...", "to": "...", "data": {...}, "idempotencyKey": "..." | null,
     "subject": "..." | null, "html": "..." | null, "text": "..." | null}

An e-mail comes rendered (`subject`, `html`, `text`); the provider sends those as they are.

The provider checks the signature over the exact bytes received (constant-time compare) and
refuses a timestamp more than 5 minutes away from its clock, so a captured request cannot be
replayed later. It answers 2xx with `{"deliveryId": "..."}`, and answers a repeated
Idempotency-Key with the first delivery's id without delivering again, as Stripe's and
GitHub's webhooks do.

Idempotency-Key: a notification's own key, scoped to its program (the port promises keys per
program), hashed into a fixed-length header value; a notification without a key gets a fresh
random one per `send`, so each send is one delivery but its own retries are not duplicates.

Connection errors, timeouts, 429 and 5xx are retried a bounded number of times with jittered
exponential backoff (a 429's or 503's Retry-After is honoured); any other answer is final.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from mosaic.ports.notifier import (
    Notification,
    NotificationFailed,
    NotificationRefused,
    NotifierUnavailable,
)

log = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Mosaic-Timestamp"
SIGNATURE_HEADER = "X-Mosaic-Signature"
_LOOPBACK_HOSTS = frozenset(("localhost", "127.0.0.1", "::1"))


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 8.0
    # Waiting longer than this inside one send would hold a function for minutes: a longer
    # Retry-After is handed to the caller (NotifierUnavailable.retry_after) instead.
    max_retry_after_seconds: float = 30.0

    def backoff(self, retry: int, rng: random.Random) -> float:
        """The wait before retry number `retry` (0 for the first): exponential, capped, and
        jittered within its upper half so that many senders do not retry in step."""
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * 2**retry)
        return rng.uniform(ceiling / 2, ceiling)


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class WebhookNotifier:
    def __init__(
        self,
        url: str,
        secret: str,
        *,
        retry: RetryPolicy = RetryPolicy(),
        timeout_seconds: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not secret:
            raise ValueError("the notifier webhook secret must not be empty")
        self._url = _webhook_url(url)
        self._secret = secret.encode("utf-8")
        self._retry = retry
        self._sleep = sleep
        self._rng = random.Random()
        self._client = httpx.Client(timeout=timeout_seconds, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def send(self, notification: Notification) -> str:
        key = idempotency_header(notification)
        body = notification_body(notification)
        for attempt in range(self._retry.attempts):
            try:
                return self._post(key, body)
            except _Retryable as failure:
                wait = self._wait_before_retry(attempt, failure)
                log.warning(
                    "notifier webhook attempt %d/%d failed (%s), idempotency key %s",
                    attempt + 1,
                    self._retry.attempts,
                    failure,
                    key,
                )
                if wait is None:
                    raise NotifierUnavailable(
                        f"the messaging provider did not take the notification after "
                        f"{attempt + 1} attempt(s): {failure}",
                        retry_after=failure.retry_after,
                    ) from failure
                self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait_before_retry(self, attempt: int, failure: _Retryable) -> float | None:
        """How long to wait before the next attempt, or None to give up now."""
        if attempt + 1 >= self._retry.attempts:
            return None
        if failure.retry_after is None:
            return self._retry.backoff(attempt, self._rng)
        if failure.retry_after > self._retry.max_retry_after_seconds:
            return None
        return failure.retry_after

    def _post(self, key: str, body: bytes) -> str:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self._secret, timestamp, body),
        }
        try:
            response = self._client.post(self._url, content=body, headers=headers)
        except httpx.TransportError as error:
            raise _Retryable(f"{type(error).__name__}: {error}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(
                f"HTTP {response.status_code}", _retry_after(response.headers.get("Retry-After"))
            )
        if not response.is_success:
            raise NotificationRefused(
                f"the messaging provider refused the notification: HTTP "
                f"{response.status_code} {response.text[:200]!r}"
            )
        return _delivery_id(response)


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def idempotency_header(notification: Notification) -> str:
    if notification.idempotency_key is None:
        return secrets.token_hex(32)
    scoped = json.dumps([notification.program, notification.idempotency_key])
    return hashlib.sha256(scoped.encode("utf-8")).hexdigest()


def notification_body(notification: Notification) -> bytes:
    fields = {
        "program": notification.program,
        "membershipNumber": notification.membership_number,
        "channel": notification.channel.value,
        "template": notification.template,
        "to": notification.to,
        "data": notification.data,
        "idempotencyKey": notification.idempotency_key,
        "subject": notification.subject,
        "html": notification.html,
        "text": notification.text,
    }
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _webhook_url(url: str) -> httpx.URL:
    parsed = httpx.URL(url)
    if parsed.scheme == "https" or (parsed.scheme == "http" and parsed.host in _LOOPBACK_HOSTS):
        return parsed
    raise ValueError(f"the notifier webhook URL must be https (http only on loopback): {url!r}")


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date (RFC 9110)."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _delivery_id(response: httpx.Response) -> str:
    try:
        delivery_id = response.json().get("deliveryId")
    except (ValueError, AttributeError):
        delivery_id = None
    if not isinstance(delivery_id, str) or not delivery_id:
        raise NotificationFailed(
            f"the messaging provider answered HTTP {response.status_code} without a "
            f'"deliveryId": {response.text[:200]!r}'
        )
    return delivery_id
