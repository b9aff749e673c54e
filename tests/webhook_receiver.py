"""A messaging provider's webhook endpoint, for tests: what WebhookNotifier talks to.

It checks what a provider must check, written here from the documented scheme (not from the
adapter's code): the HMAC-SHA256 signature over "<timestamp>." + body (401 when wrong or when
the timestamp is more than 5 minutes off), the Idempotency-Key (a repeat answers the first
delivery id without delivering again). It can be told to fail the next requests: with a
status (and Retry-After), by dropping the connection, or by answering too late.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "contract-test-webhook-secret"
TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class Fault:
    """What the receiver does to one request instead of handling it: answer `status` (with
    `body`, and `retry_after` as Retry-After), or with status None close the connection
    without answering, after `delay` seconds."""

    status: int | None
    retry_after: str | None = None
    body: bytes = b'{"title":"injected failure"}'
    delay: float = 0.0


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    status: int | None


@dataclass
class _State:
    secret: bytes
    faults: deque[Fault] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    deliveries: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class WebhookReceiver:
    def __init__(self, secret: str = SECRET) -> None:
        self._state = _State(secret.encode("utf-8"))
        self._server = _Server(self._state)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/notifications"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def fail_next(self, times: int, fault: Fault) -> None:
        with self._state.lock:
            self._state.faults.extend([fault] * times)

    @property
    def received(self) -> list[Received]:
        with self._state.lock:
            return list(self._state.received)

    @property
    def delivered(self) -> dict[str, Any]:
        """Idempotency-Key -> the body first delivered with it."""
        with self._state.lock:
            return {key: json.loads(body) for key, (_, body) in self._state.deliveries.items()}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: _State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    @property
    def state(self) -> _State:
        return self.server.state

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.state.lock:
            fault = self.state.faults.popleft() if self.state.faults else None
        if fault is not None:
            self._fail(fault, body)
            return
        status, answer = self._handle(body)
        self._record(body, status)
        self._answer(status, json.dumps(answer).encode())

    def _handle(self, body: bytes) -> tuple[int, dict[str, str]]:
        if not self._signed(body):
            return 401, {"title": "bad or stale signature"}
        key = self.headers.get("Idempotency-Key")
        if not key:
            return 400, {"title": "Idempotency-Key is required"}
        try:
            json.loads(body)
        except ValueError:
            return 400, {"title": "the body is not JSON"}
        with self.state.lock:
            delivery_id, _ = self.state.deliveries.setdefault(key, (uuid.uuid4().hex, body))
        return 200, {"deliveryId": delivery_id}

    def _signed(self, body: bytes) -> bool:
        timestamp = self.headers.get("X-Mosaic-Timestamp", "")
        given = self.headers.get("X-Mosaic-Signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
            return False
        mac = hmac.new(self.state.secret, f"{timestamp}.".encode() + body, hashlib.sha256)
        return hmac.compare_digest(given, f"sha256={mac.hexdigest()}")

    def _fail(self, fault: Fault, body: bytes) -> None:
        time.sleep(fault.delay)
        self._record(body, fault.status)
        if fault.status is None:
            self.close_connection = True
            return
        extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        self._answer(fault.status, fault.body, extra)

    def _record(self, body: bytes, status: int | None) -> None:
        with self.state.lock:
            self.state.received.append(Received(dict(self.headers.items()), body, status))

    def _answer(self, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


_shared: WebhookReceiver | None = None
_shared_lock = threading.Lock()


def shared_receiver() -> WebhookReceiver:
    """One receiver for the contract tests, started on first use (tests keep apart by their
    unique programs, which scope the idempotency keys)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = WebhookReceiver()
        return _shared


def stop_shared_receiver() -> None:
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.stop()
            _shared = None
