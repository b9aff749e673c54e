"""Idempotency-Key (DESIGN section 6), on every document store: a repeat gets the first
answer again, another request with the key a 422, a repeat while the first runs a 409."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mosaic.domain.errors import (
    ConcurrentUpdate,
    DiscountCodeConsumed,
    DocumentFromNewerSchema,
    IdempotencyKeyReused,
    InvalidField,
    MosaicError,
    RequestInProgress,
    SystemOfRecordUnavailable,
)
from mosaic.domain.idempotency import KEPT_SECONDS, LEASE_SECONDS, record_id, running_record
from mosaic.functions.problems import PROBLEM_JSON, error_response
from mosaic.ports.documents import Container, DocumentNotFound, DocumentStore
from mosaic.services.backends import Backends
from mosaic.services.idempotency import Answer, Replayed, answer_once, request_fingerprint
from tests.contract.conftest import Clock
from tests.factories import embedded_backends

ROUTE = "POST /pos/vouchers/redeem"
BODY = {"voucherCode": "123456", "note": "table 4"}
CALLER = "agent:A1"
KEY = "redeem-7f3a/terminal?2#\\x"  # characters a Cosmos DB id may not hold


class WallClock:
    """The backends' wall clock, on the test's clock (the one the store expires by)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)


@pytest.fixture
def backends(store: DocumentStore, clock: Clock, tmp_path: Path) -> Backends:
    unused_sor = sa.create_engine("sqlite://")  # no request here reads the SoR
    backends = embedded_backends(tmp_path, engine=unused_sor)
    return replace(backends, documents=store, wall_clock=WallClock(clock))


def problem_answer(error: MosaicError) -> Answer:
    """What the HTTP edge passes as `refusal`: the problem+json response it would send."""
    response = error_response(error)
    return Answer(
        response.status_code,
        json.loads(response.get_body()),
        dict(response.headers),
        PROBLEM_JSON,
    )


class Counted:
    """A request's run: counts how often it ran, answers `answer` or raises `error`."""

    def __init__(self, answer: Answer | None = None, error: Exception | None = None) -> None:
        self.answer = answer or Answer(201, {"redemption": "R1", "amount": 12.5, "big": 10**20})
        self.error = error
        self.runs = 0
        self.before: Callable[[], object] = lambda: None
        self._lock = threading.Lock()

    def __call__(self) -> Answer:
        with self._lock:
            self.runs += 1
        self.before()
        if self.error is not None:
            raise self.error
        return self.answer


def call(
    backends: Backends,
    program: str,
    run: Callable[[], Answer],
    body: Any = BODY,
    key: str | None = KEY,
    caller: str = CALLER,
    route: str = ROUTE,
) -> Answer | Replayed:
    return answer_once(
        backends,
        program=program,
        caller=caller,
        key=key,
        fingerprint=request_fingerprint(route, body),
        run=run,
        refusal=problem_answer,
    )


def record(backends: Backends, program: str, key: str = KEY) -> dict[str, Any]:
    return backends.documents.read(Container.IDEMPOTENCY, program, record_id(CALLER, key)).body


def test_a_repeat_gets_the_first_status_and_body_again_and_runs_nothing(
    backends: Backends, program: str
) -> None:
    run = Counted(
        Answer(201, {"redemption": "R1", "amount": 12.5, "big": 10**20}, {"Location": "/r/R1"})
    )
    first = call(backends, program, run)
    kept = backends.documents.read(Container.IDEMPOTENCY, program, record_id(CALLER, KEY))

    again = call(backends, program, run, body={"note": "table 4", "voucherCode": "123456"})

    assert isinstance(first, Answer)
    assert isinstance(again, Replayed)
    assert (again.status, again.text, again.media_type) == (201, first.text, "application/json")
    assert again.body == {"redemption": "R1", "amount": 12.5, "big": 10**20}
    assert again.headers == {"Location": "/r/R1", "Idempotent-Replayed": "true"}
    assert run.runs == 1
    assert backends.documents.read(Container.IDEMPOTENCY, program, kept.id).etag == kept.etag


def test_the_same_key_for_another_body_or_route_is_a_422(backends: Backends, program: str) -> None:
    run = Counted()
    call(backends, program, run)

    with pytest.raises(IdempotencyKeyReused) as reused:
        call(backends, program, run, body={**BODY, "voucherCode": "654321"})
    with pytest.raises(IdempotencyKeyReused):
        call(backends, program, run, route="POST /pos/vouchers/unredeem")

    assert error_response(reused.value).status_code == 422
    assert run.runs == 1
    assert isinstance(call(backends, program, run), Replayed)


def test_the_same_key_for_another_body_while_the_first_runs_is_a_422(
    backends: Backends, program: str
) -> None:
    run = Counted()
    refused: list[Exception] = []

    def meanwhile() -> None:
        try:
            call(backends, program, Counted(), body={"voucherCode": "654321"})
        except IdempotencyKeyReused as error:
            refused.append(error)

    run.before = meanwhile
    assert isinstance(call(backends, program, run), Answer)
    assert len(refused) == 1


def test_a_repeat_while_the_first_runs_gets_a_409_and_its_answer_after(
    backends: Backends, program: str
) -> None:
    run = Counted()
    busy: list[RequestInProgress] = []

    def meanwhile() -> None:
        with pytest.raises(RequestInProgress) as error:
            call(backends, program, Counted())
        busy.append(error.value)

    run.before = meanwhile
    first = call(backends, program, run)

    response = error_response(busy[0])
    assert (response.status_code, response.headers["Retry-After"]) == (409, "1")
    again = call(backends, program, run)
    assert isinstance(again, Replayed)
    assert again.text == first.text


def test_twenty_racing_repeats_of_one_request_run_it_once(backends: Backends, program: str) -> None:
    run = Counted()
    start = threading.Barrier(20)
    results: list[Answer | Replayed | Exception] = []
    lock = threading.Lock()

    def request() -> None:
        start.wait()
        try:
            result: Answer | Replayed | Exception = call(backends, program, run)
        except Exception as error:
            result = error
        with lock:
            results.append(result)

    run.before = lambda: time.sleep(0.2)  # long enough for some repeats to find it running
    threads = [threading.Thread(target=request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert run.runs == 1
    firsts = [r for r in results if isinstance(r, Answer)]
    replays = [r for r in results if isinstance(r, Replayed)]
    busy = [r for r in results if isinstance(r, RequestInProgress)]
    assert len(firsts) == 1
    assert len(replays) + len(busy) == 19
    assert all((r.status, r.text) == (201, firsts[0].text) for r in replays)


def test_a_running_record_left_by_a_crash_is_taken_over_after_its_lease(
    backends: Backends, program: str, clock: Clock
) -> None:
    left = running_record(
        program=program,
        caller=CALLER,
        key=KEY,
        fingerprint=request_fingerprint(ROUTE, BODY),
        now=backends.wall_clock.now(),
    )
    backends.documents.create(Container.IDEMPOTENCY, left)
    run = Counted()
    clock.advance(LEASE_SECONDS - 1)
    with pytest.raises(RequestInProgress):
        call(backends, program, run)

    clock.advance(1)
    answer = call(backends, program, run)

    assert isinstance(answer, Answer)
    assert run.runs == 1
    assert record(backends, program)["attempt"] == 2
    assert isinstance(call(backends, program, run), Replayed)


def test_a_run_that_outlives_its_lease_leaves_the_key_to_the_request_that_took_it_over(
    backends: Backends, program: str, clock: Clock
) -> None:
    slow = Counted(Answer(200, {"by": "slow"}))
    release, started = threading.Event(), threading.Event()

    def hang() -> None:  # until the test lets go: a run far past its lease
        started.set()
        release.wait(10)

    slow.before = hang
    answers: list[Answer | Replayed] = []
    first = threading.Thread(target=lambda: answers.append(call(backends, program, slow)))
    first.start()
    assert started.wait(10)
    clock.advance(LEASE_SECONDS)

    second = call(backends, program, Counted(Answer(200, {"by": "second"})))
    release.set()
    first.join()

    assert isinstance(second, Answer)
    assert answers[0].body == {"by": "slow"}
    again = call(backends, program, Counted())
    assert isinstance(again, Replayed)
    assert again.body == {"by": "second"}


def test_a_refusal_is_kept_and_a_repeat_gets_it_again(backends: Backends, program: str) -> None:
    run = Counted(error=DiscountCodeConsumed("K7MDQ2XP was used on 2026-11-20"))

    first = call(backends, program, run)
    again = call(backends, program, run)

    assert isinstance(again, Replayed)
    assert (first.status, first.media_type) == (409, PROBLEM_JSON)
    assert (again.status, again.text, again.media_type) == (409, first.text, PROBLEM_JSON)
    assert again.body["title"] == "Discount code already used"
    assert run.runs == 1


def test_an_unexpected_error_frees_the_key_for_a_retry(backends: Backends, program: str) -> None:
    broken = Counted(error=RuntimeError("disk on fire"))
    with pytest.raises(RuntimeError):
        call(backends, program, broken)

    with pytest.raises(DocumentNotFound):
        record(backends, program)
    retried = call(backends, program, Counted(), body={"voucherCode": "654321"})
    assert isinstance(retried, Answer)


@pytest.mark.parametrize(
    "error",
    [
        ConcurrentUpdate("kept changing"),
        SystemOfRecordUnavailable("SoR down"),
        DocumentFromNewerSchema("newer"),
    ],
)
def test_an_error_that_says_try_again_frees_the_key_and_is_raised(
    backends: Backends, program: str, error: MosaicError
) -> None:
    with pytest.raises(type(error)):
        call(backends, program, Counted(error=error))

    with pytest.raises(DocumentNotFound):
        record(backends, program)
    assert isinstance(call(backends, program, Counted()), Answer)


def test_an_answer_that_says_try_again_is_not_kept(backends: Backends, program: str) -> None:
    run = Counted(Answer(503, {"title": "busy"}, {"Retry-After": "5"}))
    assert call(backends, program, run).status == 503
    assert isinstance(call(backends, program, run), Answer)
    assert run.runs == 2


def test_an_answer_is_kept_24_hours_then_the_key_is_free(
    backends: Backends, program: str, clock: Clock
) -> None:
    run = Counted()
    call(backends, program, run)
    assert record(backends, program)["ttl"] == KEPT_SECONDS

    clock.advance(KEPT_SECONDS - 1)
    assert isinstance(call(backends, program, run), Replayed)
    clock.advance(1)
    backends.documents.purge_expired()

    with pytest.raises(DocumentNotFound):
        record(backends, program)
    assert isinstance(call(backends, program, run, body={"voucherCode": "654321"}), Answer)
    assert run.runs == 2


def test_keys_are_the_callers_own(backends: Backends, program: str) -> None:
    run = Counted()
    call(backends, program, run)
    call(backends, program, run, caller="agent:A2", body={"voucherCode": "654321"})

    assert run.runs == 2


def test_a_missing_key_is_a_400_naming_the_header_and_runs_nothing(
    backends: Backends, program: str
) -> None:
    run = Counted()
    with pytest.raises(InvalidField) as invalid:
        call(backends, program, run, key=None)

    problem = json.loads(error_response(invalid.value).get_body())
    assert (problem["status"], problem["errors"][0]["field"]) == (400, "Idempotency-Key")
    assert run.runs == 0
    assert backends.documents.count(Container.IDEMPOTENCY, program) == 0
