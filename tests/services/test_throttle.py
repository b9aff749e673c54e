"""Throttling guesses: per client across programs, per program from all clients."""

import logging
import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from mosaic.adapters.clock import FixedClock
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.domain.errors import (
    SystemOfRecordUnavailable,
    TooManyAttempts,
    UnknownActivationCode,
)
from mosaic.ports.documents import Container
from mosaic.services.backends import LoginPolicy
from mosaic.services.login import login_member
from mosaic.services.throttle import CLIENT_PARTITIONS
from tests.factories import NOW, embedded_backends, insert_member, sor_engine


@pytest.fixture
def engine(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    return engine


def _backends(tmp_path, engine, wall_clock=None, **policy):
    return embedded_backends(
        tmp_path,
        engine=engine,
        login_policy=LoginPolicy(**({"failures_allowed": 3, "window_seconds": 900} | policy)),
        wall_clock=wall_clock,
    )


def _fail(backends, client, program="SIAM", code="99999"):
    with pytest.raises(UnknownActivationCode):
        login_member(backends, program, code, None, client)


def test_parallel_guesses_get_at_most_the_allowed_failures(tmp_path, engine):
    backends = _backends(tmp_path, engine)
    barrier = threading.Barrier(24)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        barrier.wait()
        try:
            login_member(backends, "SIAM", f"{n:05d}", None, "203.0.113.9")
        except UnknownActivationCode:
            outcomes.append("unknown")
        except TooManyAttempts:
            outcomes.append("throttled")

    threads = [threading.Thread(target=guess, args=(n + 50000,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("unknown") == 3
    assert outcomes.count("throttled") == 21


def test_successful_logins_do_not_use_up_the_budget(tmp_path, engine):
    backends = _backends(tmp_path, engine)
    _fail(backends, "203.0.113.9")
    _fail(backends, "203.0.113.9")
    for _ in range(10):
        assert login_member(backends, "SIAM", "12345", None, "203.0.113.9").membership
    _fail(backends, "203.0.113.9")
    with pytest.raises(TooManyAttempts):
        login_member(backends, "SIAM", "12345", None, "203.0.113.9")


def test_a_client_is_throttled_across_programs(tmp_path, engine):
    backends = _backends(tmp_path, engine)
    for program in ("SIAM", "LUMA", "ORCA"):
        _fail(backends, "203.0.113.9", program)
    with pytest.raises(TooManyAttempts):
        login_member(backends, "SIAM", "12345", None, "203.0.113.9")


def test_ports_and_ipv6_interface_ids_do_not_make_new_clients(tmp_path, engine):
    backends = _backends(tmp_path, engine)
    _fail(backends, "[2001:db8:7:1::10]:443")
    _fail(backends, "2001:db8:7:1::11")
    _fail(backends, "[2001:db8:7:1:aaaa::12]:50123")
    with pytest.raises(TooManyAttempts):
        login_member(backends, "SIAM", "12345", None, "2001:db8:7:1::99")
    assert login_member(backends, "SIAM", "12345", None, "2001:db8:7:2::1").membership


def test_retry_after_is_when_an_attempt_is_admitted_again(tmp_path, engine):
    wall_clock = FixedClock(NOW)
    backends = _backends(tmp_path, engine, wall_clock)
    for _ in range(3):
        _fail(backends, "203.0.113.9")
        wall_clock.advance(timedelta(minutes=2))
    with pytest.raises(TooManyAttempts) as refused:
        login_member(backends, "SIAM", "12345", None, "203.0.113.9")
    wait = refused.value.retry_after_seconds
    assert 0 < wait <= 900
    wall_clock.advance(timedelta(seconds=wait - 1))
    with pytest.raises(TooManyAttempts):
        login_member(backends, "SIAM", "12345", None, "203.0.113.9")
    wall_clock.advance(timedelta(seconds=1))
    assert login_member(backends, "SIAM", "12345", None, "203.0.113.9").membership


def test_program_ceiling_holds_back_guesses_from_many_addresses(tmp_path, engine):
    backends = _backends(tmp_path, engine, program_failures_allowed=10)
    for n in range(10):
        _fail(backends, f"198.51.100.{n}")
    with pytest.raises(TooManyAttempts, match="this program") as refused:
        login_member(backends, "SIAM", "12345", None, "192.0.2.200")
    assert refused.value.retry_after_seconds > 0
    _fail(backends, "192.0.2.200", program="LUMA")  # another program is not affected


def test_requests_without_a_client_address_do_not_share_one_bucket(tmp_path, engine, caplog):
    backends = _backends(tmp_path, engine)
    with caplog.at_level(logging.ERROR, logger="mosaic.throttle"):
        for _ in range(5):
            _fail(backends, None)
    assert login_member(backends, "SIAM", "12345", None, None).membership
    assert any("without a client address" in r.message for r in caplog.records)


def test_throttle_counters_expire_once_they_cannot_matter(tmp_path, engine):
    wall_clock = FixedClock(NOW)
    backends = _backends(tmp_path, engine, wall_clock)
    store = SqliteDocumentStore(
        tmp_path / "documents.sqlite", time_source=lambda: wall_clock.now().timestamp()
    )
    backends = replace(backends, documents=store)
    _fail(backends, "203.0.113.9")

    def counters() -> int:
        partitions = ["SIAM", *(f"_throttle-{p}" for p in CLIENT_PARTITIONS)]
        return sum(len(store.query(Container.SYSTEM, p)) for p in partitions)

    assert counters() == 2  # the client's page and the program's page
    wall_clock.advance(timedelta(seconds=2 * 900))
    assert counters() == 2  # the next window still weighs this one
    wall_clock.advance(timedelta(seconds=61))
    assert counters() == 0
    assert store.purge_expired() == 2


def test_guesses_while_the_sor_is_down_still_count(tmp_path, engine):
    backends = _backends(tmp_path, engine)
    engine.dispose()
    (tmp_path / "sor.sqlite").unlink()  # codes not yet digital can only be answered by the SoR
    (tmp_path / "sor.sqlite").mkdir()  # a file SQLite cannot open: the SoR is down
    for n in range(3):
        with pytest.raises(SystemOfRecordUnavailable):
            login_member(backends, "SIAM", f"{70000 + n}", None, "203.0.113.9")
    with pytest.raises(TooManyAttempts):
        login_member(backends, "SIAM", "70009", None, "203.0.113.9")


def test_parallel_guesses_from_many_addresses_get_at_most_the_program_ceiling(tmp_path, engine):
    backends = _backends(tmp_path, engine, program_failures_allowed=10)
    barrier = threading.Barrier(30)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        barrier.wait()
        try:
            login_member(backends, "SIAM", f"{60000 + n}", None, f"198.51.100.{n}")
        except UnknownActivationCode:
            outcomes.append("unknown")
        except TooManyAttempts:
            outcomes.append("throttled")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("unknown") == 10
    assert outcomes.count("throttled") == 20


def test_members_logging_in_at_once_behind_one_address_are_told_to_retry_at_once(tmp_path, engine):
    backends = _backends(tmp_path, engine)
    login_member(backends, "SIAM", "12345", None, "203.0.113.9")  # make it digital
    barrier = threading.Barrier(12)
    waits: list[int] = []
    admitted: list[str] = []

    def log_in() -> None:
        barrier.wait()
        try:
            admitted.append(login_member(backends, "SIAM", "12345", None, "203.0.113.9").token)
        except TooManyAttempts as refused:
            waits.append(refused.retry_after_seconds)

    threads = [threading.Thread(target=log_in) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) >= 3
    assert all(wait == 1 for wait in waits)  # no failure settled: nothing to wait out
    assert login_member(backends, "SIAM", "12345", None, "203.0.113.9").membership
