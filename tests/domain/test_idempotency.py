"""The pure rules of Idempotency-Key: its syntax, the request's fingerprint, the record."""

from datetime import UTC, datetime, timedelta

import pytest

from mosaic.domain.errors import InvalidField
from mosaic.domain.idempotency import (
    Answer,
    Verdict,
    answered_record,
    checked_key,
    judge,
    record_id,
    replay_of,
    request_fingerprint,
    running_record,
    taken_over,
)

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("key", ["a", "x" * 255, "8e03978e-40d5-43e8-bc93-6894a57f9324", "/\\?#~!"])
def test_a_key_is_1_to_255_visible_ascii_characters(key: str) -> None:
    assert checked_key(key) == key


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        (None, "is required"),
        ("", "is required"),
        ("x" * 256, "visible ASCII"),
        ("a b", "visible ASCII"),
        ("a\tb", "visible ASCII"),
        ("caf\u00e9", "visible ASCII"),
        ("a\x7f", "visible ASCII"),
    ],
)
def test_a_missing_or_malformed_key_names_the_header(key: str | None, rule: str) -> None:
    with pytest.raises(InvalidField) as invalid:
        checked_key(key)
    assert invalid.value.field == "Idempotency-Key"
    assert rule in invalid.value.rule


def test_the_fingerprint_ignores_key_order_and_whole_floats() -> None:
    one = request_fingerprint("POST /r", {"a": 1, "b": {"c": [1.0, "x"], "d": None}})
    same = request_fingerprint("POST /r", {"b": {"d": None, "c": [1, "x"]}, "a": 1.0})
    assert one == same


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("POST /other", {"a": 1}),
        ("POST /r", {"a": 2}),
        ("POST /r", {"a": "1"}),
        ("POST /r", {"a": 1.5}),
        ("POST /r", {"a": 1, "b": None}),
        ("POST /r", [{"a": 1}]),
    ],
)
def test_another_route_or_body_is_another_fingerprint(route: str, body: object) -> None:
    assert request_fingerprint(route, body) != request_fingerprint("POST /r", {"a": 1})


def test_the_record_id_is_a_cosmos_safe_digest_of_caller_and_key() -> None:
    id = record_id("agent:A1", "x/" * 127 + "?#\\")
    assert len(id) == 64
    assert not set(id) & set("/\\?#")
    assert record_id("a", "bc") != record_id("ab", "c")
    assert record_id("agent:A1", "k") != record_id("agent:A2", "k")


@pytest.mark.parametrize(
    ("status", "final"),
    [
        (200, True),
        (201, True),
        (404, True),
        (409, True),
        (422, True),
        (408, False),
        (425, False),
        (429, False),
        (500, False),
        (503, False),
    ],
)
def test_answers_that_say_try_again_are_not_final(status: int, final: bool) -> None:
    assert Answer(status, {}).final is final


def test_a_status_must_be_an_http_status() -> None:
    with pytest.raises(ValueError, match="status"):
        Answer(42, {})


def _running(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = dict(
        program="SIAM", caller="agent:A1", key="k1", fingerprint="F", now=NOW
    )
    return running_record(**(fields | overrides))  # type: ignore[arg-type]


def test_a_running_record_holds_its_key_for_its_lease_only() -> None:
    record = _running(lease_seconds=30)

    assert judge(record, "F", NOW + timedelta(seconds=29.9)) is Verdict.RUNNING
    assert judge(record, "F", NOW + timedelta(seconds=30)) is Verdict.ABANDONED
    assert judge(record, "G", NOW) is Verdict.REUSED
    assert taken_over(record, NOW + timedelta(seconds=30), 30)["attempt"] == 2


def test_an_answered_record_replays_its_answer_to_the_same_request_only() -> None:
    answer = Answer(201, {"b": 1, "a": [1.5, "\u00e9", 10**20]}, {"Location": "/x"})
    record = answered_record(_running(), answer, NOW)

    replayed = replay_of(record)
    assert judge(record, "F", NOW + timedelta(days=1)) is Verdict.REPLAY
    assert judge(record, "G", NOW) is Verdict.REUSED
    assert (replayed.status, replayed.text) == (201, answer.text)
    assert replayed.headers == {"Location": "/x", "Idempotent-Replayed": "true"}
    assert replayed.answered_at == NOW
    assert "leaseUntil" not in record
    assert record["ttl"] == 24 * 3600
