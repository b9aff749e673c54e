"""Idempotency-Key rules (DESIGN section 6: the IETF httpapi draft, as Stripe applies it).

A request made with a key is answered once: its first answer (status and body) is kept for
KEPT_SECONDS and given again to every repeat with the same key and the same request; the
same key with another request is refused; a repeat while the first still runs is told to
try again. The record of a key is `running` from before the request runs (with a lease, so a
process that died mid-run does not hold the key for ever), then `done` with the answer.

Pure: the key's syntax, the request's fingerprint, the record's body and what a repeat gets.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from mosaic.domain.errors import InvalidField

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
"""Set to `true` on an answer given again, so a client (and its logs) can tell."""
MAX_KEY_LENGTH = 255
KEPT_SECONDS = 24 * 3600
LEASE_SECONDS = 30
"""How long a `running` record holds its key before a repeat may take it over: far above a
request's run (milliseconds), far below the 24 hours a dead process would otherwise block."""
JSON = "application/json"
_NOT_FINAL = frozenset((408, 425, 429))
"""Answers that say "try again" rather than answer: never kept, like every 5xx."""


def checked_key(key: str | None) -> str:
    """The key, if it is 1 to MAX_KEY_LENGTH visible ASCII characters; else InvalidField
    naming the header (a 400)."""
    if not key:
        raise InvalidField(HEADER, "is required for this request")
    if len(key) > MAX_KEY_LENGTH or not all("!" <= c <= "~" for c in key):
        raise InvalidField(
            HEADER, f"must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (no spaces)"
        )
    return key


def request_fingerprint(route: str, body: Any) -> str:
    """A digest of the request a key is bound to: its route and its JSON body, canonical
    (keys sorted, no whitespace, a whole float the same number as the integer), so a body
    sent again with its keys in another order is the same request."""
    canonical = json.dumps(
        [route, _canonical(body)],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def record_id(caller: str, key: str) -> str:
    """The record's id: caller and key, digested, since a caller's key may hold characters a
    Cosmos DB id may not (/ \\ ? #) and the two together may pass its 255 characters."""
    return hashlib.sha256(json.dumps([caller, key]).encode()).hexdigest()


@dataclass(frozen=True)
class Answer:
    """What a request answered: status, JSON body, headers worth giving again (Location,
    ETag...) and the media type (`application/problem+json` for a refusal). `text` is the
    body as sent, the same for the first answer and every replay of it."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    media_type: str = JSON

    def __post_init__(self) -> None:
        if not 100 <= self.status <= 599:
            raise ValueError(f"not an HTTP status: {self.status!r}")

    @property
    def text(self) -> str:
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)

    @property
    def final(self) -> bool:
        """Whether the answer is kept for repeats: a 5xx, 408, 425 or 429 invites the client
        to try again, so it leaves the key free instead."""
        return self.status < 500 and self.status not in _NOT_FINAL


@dataclass(frozen=True)
class Replayed:
    """The first answer, given again to a repeat; `headers` say it is a replay."""

    answer: Answer
    answered_at: datetime

    @property
    def status(self) -> int:
        return self.answer.status

    @property
    def body(self) -> dict[str, Any]:
        return self.answer.body

    @property
    def text(self) -> str:
        return self.answer.text

    @property
    def media_type(self) -> str:
        return self.answer.media_type

    @property
    def headers(self) -> Mapping[str, str]:
        return {**self.answer.headers, REPLAY_HEADER: "true"}


class State(StrEnum):
    RUNNING = "running"
    DONE = "done"


class Verdict(StrEnum):
    """What a request finds when its key already has a record."""

    REPLAY = "replay"  # the same request was answered: give its answer again
    REUSED = "reused"  # the key was used for another request (a 422)
    RUNNING = "running"  # the same request is being answered (a 409, try again)
    ABANDONED = "abandoned"  # its lease ran out unanswered: take it over and run


def judge(record: Mapping[str, Any], fingerprint: str, now: datetime) -> Verdict:
    if record["fingerprint"] != fingerprint:
        return Verdict.REUSED
    if record["state"] == State.DONE:
        return Verdict.REPLAY
    if now < datetime.fromisoformat(record["leaseUntil"]):
        return Verdict.RUNNING
    return Verdict.ABANDONED


def running_record(
    *,
    program: str,
    caller: str,
    key: str,
    fingerprint: str,
    now: datetime,
    lease_seconds: int = LEASE_SECONDS,
    attempt: int = 1,
) -> dict[str, Any]:
    """The record claiming the key before the request runs (`attempt` counts take-overs)."""
    return {
        "id": record_id(caller, key),
        "program": program,
        "caller": caller,
        "key": key,
        "fingerprint": fingerprint,
        "state": State.RUNNING.value,
        "attempt": attempt,
        "startedAt": now.isoformat(),
        "leaseUntil": (now + timedelta(seconds=lease_seconds)).isoformat(),
        "ttl": KEPT_SECONDS,
    }


def taken_over(record: Mapping[str, Any], now: datetime, lease_seconds: int) -> dict[str, Any]:
    """An abandoned running record, claimed again by a repeat of its request."""
    return running_record(
        program=record["program"],
        caller=record["caller"],
        key=record["key"],
        fingerprint=record["fingerprint"],
        now=now,
        lease_seconds=lease_seconds,
        attempt=int(record.get("attempt", 1)) + 1,
    )


def answered_record(running: Mapping[str, Any], answer: Answer, now: datetime) -> dict[str, Any]:
    """The record once its request is answered: the answer, kept KEPT_SECONDS from now. The
    body is kept as its text, so a replay sends exactly the bytes the first answer sent
    (whatever a store does to numbers or to the order of keys)."""
    record = {k: v for k, v in running.items() if k != "leaseUntil"}
    return record | {
        "state": State.DONE.value,
        "answeredAt": now.isoformat(),
        "answer": {
            "status": answer.status,
            "mediaType": answer.media_type,
            "headers": dict(answer.headers),
            "body": answer.text,
        },
        "ttl": KEPT_SECONDS,
    }


def replay_of(record: Mapping[str, Any]) -> Replayed:
    """The answer a `done` record keeps, as a repeat gets it."""
    kept = record["answer"]
    answer = Answer(
        status=kept["status"],
        body=json.loads(kept["body"]),
        headers=dict(kept["headers"]),
        media_type=kept["mediaType"],
    )
    return Replayed(answer, datetime.fromisoformat(record["answeredAt"]))
