"""The membership-refresh queue trigger under the host's retry and poison rules."""

import json

import pytest

from mosaic.localhost import HostConfig, poison_queue_name, process_batch, registered_functions
from mosaic.ports.documents import Container

QUEUE = "membership-refresh"
CONFIG = HostConfig(visibility_timeout=0, max_dequeue_count=5)


@pytest.fixture
def job():
    from function_app import app

    [spec] = [s for s in registered_functions(app) if s.name == "membership_refresh"]
    return spec


def _request(number: str = "SIAM-0000001") -> str:
    return json.dumps(
        {
            "program": "SIAM",
            "membershipNumber": number,
            "reason": "manual",
            "requestedAt": "2026-11-21T09:00:00+00:00",
        }
    )


def test_refresh_message_builds_the_membership_and_is_deleted(app_backends, job):
    app_backends.queue.send(QUEUE, _request())
    assert process_batch(app_backends.queue, job, CONFIG) == ["ok"]
    assert app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", "SIAM-0000001")
    assert app_backends.queue.count(QUEUE) == 0


def test_malformed_message_ends_in_the_poison_queue_after_five_tries(app_backends, job):
    app_backends.queue.send(QUEUE, '{"program": "SIAM"}')
    outcomes = []
    for _ in range(5):
        outcomes += process_batch(app_backends.queue, job, CONFIG)
    assert outcomes == ["error"] * 4 + ["poison"]
    assert app_backends.queue.count(QUEUE) == 0
    [poisoned] = app_backends.queue.peek(poison_queue_name(QUEUE))
    assert poisoned.body == '{"program": "SIAM"}'


def test_membership_gone_from_the_sor_is_not_retried(app_backends, job):
    app_backends.queue.send(QUEUE, _request("SIAM-0000404"))
    assert process_batch(app_backends.queue, job, CONFIG) == ["ok"]
    assert app_backends.queue.count(QUEUE) == 0
    assert app_backends.queue.count(poison_queue_name(QUEUE)) == 0


def test_refresh_while_the_sor_is_down_is_queued_again_later_each_time(
    app_backends, job, tmp_path, monkeypatch
):
    sent: list[tuple[str, int]] = []
    send = app_backends.queue.send

    def spy(queue, body, *, delay_seconds=0):
        sent.append((body, delay_seconds))
        return send(queue, body, delay_seconds=delay_seconds)

    monkeypatch.setattr(app_backends.queue, "send", spy)
    app_backends.queue.send(QUEUE, _request())
    (tmp_path / "sor.sqlite").rename(tmp_path / "sor.offline")
    (tmp_path / "sor.sqlite").mkdir()  # sqlite cannot open a directory: the SoR is down
    assert process_batch(app_backends.queue, job, CONFIG) == ["ok"]  # the original completes
    assert app_backends.queue.count(QUEUE) == 1  # its retry, not visible for 30 s
    assert app_backends.queue.peek(QUEUE) == []
    retry, delay = sent[-1]
    assert (json.loads(retry)["attempt"], delay) == (1, 30)
    assert app_backends.queue.count(poison_queue_name(QUEUE)) == 0


def test_a_request_that_found_the_sor_down_too_often_is_dropped(app_backends, job, tmp_path):
    app_backends.queue.send(QUEUE, json.dumps(json.loads(_request()) | {"attempt": 8}))
    (tmp_path / "sor.sqlite").rename(tmp_path / "sor.offline")
    (tmp_path / "sor.sqlite").mkdir()
    assert process_batch(app_backends.queue, job, CONFIG) == ["ok"]
    assert app_backends.queue.count(QUEUE) == 0
    assert app_backends.queue.count(poison_queue_name(QUEUE)) == 0


def test_retries_wait_longer_each_time_up_to_fifteen_minutes():
    from mosaic.services.refresh_requests import sor_retry_delay

    assert [sor_retry_delay(n) for n in range(8)] == [30, 60, 120, 240, 480, 900, 900, 900]


def test_an_sor_error_that_is_no_outage_retries_then_poisons(app_backends, job, tmp_path):
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    with engine.begin() as c:  # a row the SoR adapter cannot read: a bug, not an outage
        c.exec_driver_sql("UPDATE memberships SET starts_on = 'not a date'")
    app_backends.queue.send(QUEUE, _request())
    outcomes = []
    for _ in range(5):
        outcomes += process_batch(app_backends.queue, job, CONFIG)
    assert outcomes == ["error"] * 4 + ["poison"]
    assert app_backends.queue.count(QUEUE) == 0


def test_a_burst_of_requests_for_one_member_makes_one_refresh(app_backends, job):
    from datetime import UTC, datetime

    requested = datetime.now(UTC).isoformat()
    for _ in range(40):
        body = json.loads(_request()) | {"requestedAt": requested, "reason": "login"}
        app_backends.queue.send(QUEUE, json.dumps(body))
    outcomes = []
    while app_backends.queue.count(QUEUE):
        outcomes += process_batch(app_backends.queue, job, CONFIG)
    assert outcomes == ["ok"] * 40  # each message settled: 39 dropped as already served
    logged = app_backends.documents.query(Container.REFRESH_LOG, "SIAM")
    assert [d.body["outcome"] for d in logged] == ["refreshed"]


def test_a_request_made_after_the_last_refresh_is_not_dropped(app_backends, job):
    from datetime import UTC, datetime

    app_backends.queue.send(QUEUE, _request())
    process_batch(app_backends.queue, job, CONFIG)
    later = json.loads(_request()) | {"requestedAt": datetime.now(UTC).isoformat()}
    app_backends.queue.send(QUEUE, json.dumps(later))
    process_batch(app_backends.queue, job, CONFIG)
    logged = app_backends.documents.query(Container.REFRESH_LOG, "SIAM")
    assert len(logged) == 2
