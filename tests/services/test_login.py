import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from mosaic.adapters.clock import FixedClock
from mosaic.domain.errors import (
    InvalidField,
    InviteePeriodOver,
    SystemOfRecordUnavailable,
    TooManyAttempts,
    UnknownActivationCode,
)
from mosaic.domain.membership import DeviceDetails, DigitalMembership, MembershipMode
from mosaic.ports.documents import Container
from mosaic.services.backends import LoginPolicy
from mosaic.services.login import login_member
from mosaic.services.refresh import MEMBERSHIP_REFRESH_QUEUE
from tests.factories import (
    NOW,
    embedded_backends,
    insert_member,
    sor_engine,
    sor_membership,
    sor_record,
    store_program,
)


@pytest.fixture
def engine(tmp_path):
    return sor_engine(tmp_path)


def test_first_login_builds_the_digital_membership_from_the_sor(tmp_path, engine):
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    result = login_member(backends, "SIAM", "12345", None, "10.0.0.1")
    assert result.mode is MembershipMode.FULL
    assert result.membership.id == "SIAM-0000001"
    assert result.membership.membership.member_name == "Ploy Srisuk"
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", "SIAM-0000001")
    assert stored.body["membership"]["activationCode"] == "12345"
    assert (
        backends.documents.read(Container.CODES, "SIAM", "activation:12345").body[
            "membershipNumber"
        ]
        == "SIAM-0000001"
    )
    assert backends.documents.read(Container.CODES, "SIAM", "static:54321")


def test_login_token_names_the_member_and_expires(tmp_path, engine):
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    result = login_member(backends, "SIAM", "12345", None, "10.0.0.1")
    session = backends.sessions.verify(result.token, NOW)
    assert (session.program, session.membership_number) == ("SIAM", "SIAM-0000001")
    assert result.expires_at == NOW + timedelta(minutes=backends.session_minutes)


def test_second_login_reads_the_document_and_queues_a_refresh(tmp_path, engine):
    insert_member(engine)
    wall_clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=wall_clock)
    login_member(backends, "SIAM", "12345", None, "10.0.0.1")
    assert backends.queue.count(MEMBERSHIP_REFRESH_QUEUE) == 0
    engine.dispose()
    (tmp_path / "sor.sqlite").unlink()  # the SoR is gone: the second login must not need it
    wall_clock.advance(timedelta(seconds=60))
    result = login_member(backends, "SIAM", "12345", None, "10.0.0.1")
    assert result.membership.id == "SIAM-0000001"
    [message] = backends.queue.peek(MEMBERSHIP_REFRESH_QUEUE)
    assert '"reason":"login"' in message.body


def test_logins_within_the_coalescing_time_queue_no_more_refreshes(tmp_path, engine):
    insert_member(engine)
    wall_clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=wall_clock)
    for _ in range(20):
        login_member(backends, "SIAM", "12345", None, "10.0.0.1")
        wall_clock.advance(timedelta(seconds=2))
    assert backends.queue.count(MEMBERSHIP_REFRESH_QUEUE) == 0  # read from the SoR < 60 s ago
    wall_clock.advance(timedelta(seconds=20))
    for _ in range(20):
        login_member(backends, "SIAM", "12345", None, "10.0.0.1")
    assert backends.queue.count(MEMBERSHIP_REFRESH_QUEUE) == 20  # the queue trigger coalesces


def test_login_with_a_device_registers_it_once(tmp_path, engine):
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    device = DeviceDetails(device_id="ios-42", platform="ios", model="iPhone 17")
    login_member(backends, "SIAM", "12345", device, "10.0.0.1")
    login_member(backends, "SIAM", "12345", device, "10.0.0.1")
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", "SIAM-0000001")
    devices = stored.body["devices"]
    assert [d["deviceId"] for d in devices] == ["ios-42"]
    assert devices[0]["model"] == "iPhone 17"


def test_unknown_code_is_refused(tmp_path, engine):
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    with pytest.raises(UnknownActivationCode):
        login_member(backends, "SIAM", "99999", None, "10.0.0.1")


def test_code_of_another_program_is_refused(tmp_path, engine):
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    with pytest.raises(UnknownActivationCode):
        login_member(backends, "LUMA", "12345", None, "10.0.0.1")


def test_malformed_code_is_refused_before_any_look_up(tmp_path):
    backends = embedded_backends(tmp_path)
    with pytest.raises(InvalidField) as refused:
        login_member(backends, "SIAM", "12a45", None, "10.0.0.1")
    assert refused.value.field == "activationCode"


def test_unknown_invitee_code_is_refused_without_asking_the_sor(tmp_path, engine):
    backends = embedded_backends(tmp_path, engine=engine)
    engine.dispose()
    (tmp_path / "sor.sqlite").unlink()
    with pytest.raises(UnknownActivationCode):
        login_member(backends, "SIAM", "123456", None, "10.0.0.1")


def test_first_login_while_the_sor_is_down_says_so(tmp_path):
    import sqlalchemy as sa

    broken = sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite'}")
    backends = embedded_backends(tmp_path, engine=broken)
    with pytest.raises(SystemOfRecordUnavailable):
        login_member(backends, "SIAM", "12345", None, "10.0.0.1")


def test_guessing_codes_is_throttled_per_client(tmp_path, engine):
    insert_member(engine)
    policy = LoginPolicy(failures_allowed=3, window_seconds=600)
    backends = embedded_backends(tmp_path, engine=engine, login_policy=policy)
    for guess in ("11111", "22222", "33333"):
        with pytest.raises(UnknownActivationCode):
            login_member(backends, "SIAM", guess, None, "203.0.113.9")
    with pytest.raises(TooManyAttempts) as throttled:
        login_member(backends, "SIAM", "12345", None, "203.0.113.9")
    assert 0 < throttled.value.retry_after_seconds <= 600 + 40  # the window and a bucket
    # another client is not affected
    assert login_member(backends, "SIAM", "12345", None, "198.51.100.7").membership


def test_throttle_lifts_when_the_window_has_passed(tmp_path, engine):
    insert_member(engine)
    policy = LoginPolicy(failures_allowed=2, window_seconds=60)
    wall_clock = FixedClock(NOW)
    backends = embedded_backends(
        tmp_path, engine=engine, login_policy=policy, wall_clock=wall_clock
    )
    for guess in ("11111", "22222"):
        with pytest.raises(UnknownActivationCode):
            login_member(backends, "SIAM", guess, None, "203.0.113.9")
    with pytest.raises(TooManyAttempts):
        login_member(backends, "SIAM", "12345", None, "203.0.113.9")
    wall_clock.advance(timedelta(seconds=60 + 4))  # the window and one bucket of it
    assert login_member(backends, "SIAM", "12345", None, "203.0.113.9").membership


def test_concurrent_failures_are_all_counted(tmp_path, engine):
    policy = LoginPolicy(failures_allowed=8, window_seconds=600)
    backends = embedded_backends(tmp_path, engine=engine, login_policy=policy)
    barrier = threading.Barrier(8)

    def guess(code: str) -> None:
        barrier.wait()
        with pytest.raises(UnknownActivationCode):
            login_member(backends, "SIAM", code, None, "203.0.113.9")

    threads = [threading.Thread(target=guess, args=(f"{n:05d}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with pytest.raises(TooManyAttempts):
        login_member(backends, "SIAM", "12345", None, "203.0.113.9")


def _store_invitee(backends, expires_on: date, timezone: str = "Asia/Bangkok") -> None:
    from mosaic.domain.building import build_membership

    store_program(backends, timezone)
    full = build_membership(
        sor_record(
            membership=sor_membership(
                membership_number="SIAM-I000001", activation_code="654321", expires_on=expires_on
            )
        ),
        None,
        NOW,
    )
    invitee = full.model_copy(
        update={"meta": full.meta.model_copy(update={"mode": MembershipMode.INVITEE})}
    )
    backends.documents.create(Container.MEMBERSHIPS, invitee.model_dump(mode="json", by_alias=True))
    backends.documents.create(
        Container.CODES,
        {"id": "invitee:654321", "program": "SIAM", "membershipNumber": "SIAM-I000001"},
    )


def test_invitee_logs_in_during_the_invitee_period(tmp_path):
    backends = embedded_backends(tmp_path)
    _store_invitee(backends, NOW.date())
    result = login_member(backends, "SIAM", "654321", None, "10.0.0.1")
    assert result.mode is MembershipMode.INVITEE


def test_invitee_is_refused_once_the_period_is_over(tmp_path):
    backends = embedded_backends(tmp_path)
    _store_invitee(backends, NOW.date() - timedelta(days=1))
    with pytest.raises(InviteePeriodOver):
        login_member(backends, "SIAM", "654321", None, "10.0.0.1")


def test_invitee_period_ends_at_midnight_in_the_programs_timezone(tmp_path, engine):
    # The last day is 21 Nov. 16:59 UTC is 23:59 in Bangkok: still the last day.
    # 17:00 UTC is midnight in Bangkok, though the UTC date is still 21 Nov.
    last_day = date(2026, 11, 21)
    backends = embedded_backends(
        tmp_path, engine=engine, now=datetime(2026, 11, 21, 16, 59, tzinfo=UTC)
    )
    _store_invitee(backends, last_day, "Asia/Bangkok")
    assert login_member(backends, "SIAM", "654321", None, "10.0.0.1").mode is MembershipMode.INVITEE
    late = embedded_backends(tmp_path, engine=engine, now=datetime(2026, 11, 21, 17, 0, tzinfo=UTC))
    with pytest.raises(InviteePeriodOver, match="Asia/Bangkok"):
        login_member(late, "SIAM", "654321", None, "10.0.0.2")


def test_invitee_period_west_of_utc_runs_past_the_utc_midnight(tmp_path):
    # 02:00 UTC on 22 Nov is still 21 Nov in New York: the last day is not over.
    backends = embedded_backends(tmp_path, now=datetime(2026, 11, 22, 2, 0, tzinfo=UTC))
    _store_invitee(backends, date(2026, 11, 21), "America/New_York")
    assert login_member(backends, "SIAM", "654321", None, "10.0.0.1").mode is MembershipMode.INVITEE


def test_membership_document_round_trips_through_the_store(tmp_path, engine):
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    login_member(backends, "SIAM", "12345", None, "10.0.0.1")
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", "SIAM-0000001")
    document = DigitalMembership.model_validate(stored.body)
    assert document.model_dump(mode="json", by_alias=True) == stored.body


def test_a_login_after_a_refresh_that_found_nothing_changed_queues_none(tmp_path, engine):
    from mosaic.services.refresh import RefreshReason, refresh_membership

    insert_member(engine)
    wall_clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=wall_clock)
    login_member(backends, "SIAM", "12345", None, "10.0.0.1")
    wall_clock.advance(timedelta(seconds=120))
    refresh_membership(backends, "SIAM", "SIAM-0000001", RefreshReason.UPDATE)  # unchanged

    login_member(backends, "SIAM", "12345", None, "10.0.0.1")
    assert backends.queue.count(MEMBERSHIP_REFRESH_QUEUE) == 0
    wall_clock.advance(timedelta(seconds=61))
    login_member(backends, "SIAM", "12345", None, "10.0.0.1")
    assert backends.queue.count(MEMBERSHIP_REFRESH_QUEUE) == 1
