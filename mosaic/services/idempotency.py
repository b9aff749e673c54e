"""Answering a request made with an Idempotency-Key once (DESIGN section 6).

`answer_once` claims the key before the request runs, with a conditional create of a
`running` record in the `idempotency` container (id = caller + key, digested), so of two
racing first requests one runs and the other gets a 409. The answer then replaces the record
(`done`, kept 24 hours by its `ttl`: Cosmos DB expires it, the embedded store hides it and the
hourly sweep purges it), and every repeat with the same request gets it again, status and body
alike, marked `Idempotent-Replayed: true`, changing nothing. A refusal (a MosaicError the
request raised, answered 4xx) is an answer like any other and kept; an error that says "try
again" (a 5xx, 429, 408 or 425: ConcurrentUpdate, SystemOfRecordUnavailable,
DocumentFromNewerSchema...) or an unexpected exception deletes the record, so the client may
simply retry. A process that dies (or is stopped) mid-run leaves its `running` record to its
lease: once the lease is over, a repeat takes the record over, conditional on its etag, and
runs the request itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from mosaic.domain.errors import IdempotencyKeyReused, MosaicError, RequestInProgress
from mosaic.domain.idempotency import (
    HEADER,
    LEASE_SECONDS,
    REPLAY_HEADER,
    Answer,
    Replayed,
    Verdict,
    answered_record,
    checked_key,
    judge,
    replay_of,
    request_fingerprint,
    running_record,
    taken_over,
)
from mosaic.ports.documents import (
    Container,
    DocumentAlreadyExists,
    DocumentNotFound,
    JsonDocument,
    StaleDocument,
)
from mosaic.services.backends import Backends
from mosaic.services.documents import read_or_none

__all__ = [
    "HEADER",
    "REPLAY_HEADER",
    "Answer",
    "Replayed",
    "answer_once",
    "checked_key",
    "request_fingerprint",
]

IDEMPOTENCY = Container.IDEMPOTENCY
_CLAIM_ATTEMPTS = 5
log = logging.getLogger("mosaic.idempotency")


@dataclass(frozen=True)
class _Claim:
    """The key, held by this request: the running record as written, and its etag."""

    record: JsonDocument
    etag: str


def answer_once(
    backends: Backends,
    *,
    program: str,
    caller: str,
    key: str | None,
    fingerprint: str,
    run: Callable[[], Answer],
    refusal: Callable[[MosaicError], Answer],
    lease_seconds: int = LEASE_SECONDS,
) -> Answer | Replayed:
    """The answer to a request made with Idempotency-Key `key` by `caller` (an agent's or a
    staff member's key id) in `program`: `run()`'s, or the first answer again (Replayed).

    `fingerprint` is request_fingerprint(route, body) of the request; `refusal` turns a
    MosaicError `run` raised into the answer the client gets (the edge's problem+json).
    Raises InvalidField (400) for a missing or malformed key, IdempotencyKeyReused (422) when
    the key was used for another request, RequestInProgress (409, Retry-After 1) while the
    first is being answered; and what `run` raised when it leaves the key free."""
    key = checked_key(key)
    claim = _claim(backends, program, caller, key, fingerprint, lease_seconds)
    if isinstance(claim, Replayed):
        return claim
    try:
        answer = run()
    except MosaicError as error:
        answer = _refusal_or_free(backends, claim, error, refusal)
    except Exception:
        _free(backends, claim)
        raise
    if not answer.final:
        _free(backends, claim)
        return answer
    _keep(backends, claim, answer)
    return answer


def _claim(
    backends: Backends,
    program: str,
    caller: str,
    key: str,
    fingerprint: str,
    lease_seconds: int,
) -> _Claim | Replayed:
    """Claim the key with a new running record, or take over an abandoned one; what the
    record there says otherwise (the answer to replay, 422, 409). A record freed or expired
    between the create and the read is claimed again."""
    store = backends.documents
    for _ in range(_CLAIM_ATTEMPTS):
        now = backends.wall_clock.now()
        record = running_record(
            program=program,
            caller=caller,
            key=key,
            fingerprint=fingerprint,
            now=now,
            lease_seconds=lease_seconds,
        )
        try:
            return _Claim(record, store.create(IDEMPOTENCY, record).etag)
        except DocumentAlreadyExists:
            pass
        found = read_or_none(store, IDEMPOTENCY, program, record["id"])
        if found is None:
            continue
        verdict = judge(found.body, fingerprint, now)
        if verdict is Verdict.REPLAY:
            return replay_of(found.body)
        if verdict is Verdict.REUSED:
            raise IdempotencyKeyReused(
                f"{HEADER} {key!r} was used for another request in the last 24 hours; "
                "use a new key for a new request"
            )
        if verdict is Verdict.RUNNING:
            raise _in_progress(key)
        record = taken_over(found.body, now, lease_seconds)
        try:
            etag = store.replace(IDEMPOTENCY, record, if_match=found.etag).etag
        except (StaleDocument, DocumentNotFound):
            continue
        log.warning(
            "%s %r of %s in %s: the run started %s never answered; running it again",
            HEADER,
            key,
            caller,
            program,
            found.body.get("startedAt"),
        )
        return _Claim(record, etag)
    raise _in_progress(key)


def _in_progress(key: str) -> RequestInProgress:
    return RequestInProgress(
        f"the first request with {HEADER} {key!r} is still being answered; "
        "send it again shortly for its answer"
    )


def _refusal_or_free(
    backends: Backends,
    claim: _Claim,
    error: MosaicError,
    refusal: Callable[[MosaicError], Answer],
) -> Answer:
    """The refusal's answer, to keep; a refusal that says "try again" frees the key and is
    raised as it was."""
    try:
        answer = refusal(error)
    except Exception:
        _free(backends, claim)
        raise
    if not answer.final:
        _free(backends, claim)
        raise error
    return answer


def _keep(backends: Backends, claim: _Claim, answer: Answer) -> None:
    """Replace the running record with the answer. When another request took the record
    over meanwhile (this run outlived its lease), the record is theirs: this answer goes to
    its own client unkept. When the store fails, the client still gets the answer of what
    was done; a repeat after the lease runs the request again."""
    record = answered_record(claim.record, answer, backends.wall_clock.now())
    try:
        backends.documents.replace(IDEMPOTENCY, record, if_match=claim.etag)
    except (StaleDocument, DocumentNotFound):
        log.warning(
            "%s %r of %s in %s: answered after its lease, by then taken over; not kept",
            HEADER,
            claim.record["key"],
            claim.record["caller"],
            claim.record["program"],
        )
    except Exception:
        log.exception("%s %r: the answer could not be kept", HEADER, claim.record["key"])


def _free(backends: Backends, claim: _Claim) -> None:
    """Delete the running record (if still this request's), so a retry runs afresh."""
    record = claim.record
    try:
        backends.documents.delete(IDEMPOTENCY, record["program"], record["id"], if_match=claim.etag)
    except (StaleDocument, DocumentNotFound):
        pass
    except Exception:
        log.exception("%s %r: its running record could not be freed", HEADER, record["key"])
