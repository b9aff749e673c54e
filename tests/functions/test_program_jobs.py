"""The program refresh's timer and queue trigger, as the host runs them."""

import json

from azure.functions.timer import TimerRequest

from mosaic.localhost import HostConfig, poison_queue_name, process_batch, registered_functions
from mosaic.ports.documents import Container

QUEUE = "program-refresh"
CONFIG = HostConfig(visibility_timeout=0, max_dequeue_count=5)


def _spec(name: str):
    from function_app import app

    [spec] = [s for s in registered_functions(app) if s.name == name]
    return spec


def test_the_timer_runs_every_8_hours_and_its_messages_refresh_the_programs(app_backends):
    timer = _spec("refresh_programs")
    assert timer.schedule == "0 0 */8 * * *"
    timer.function(TimerRequest(past_due=False))

    assert process_batch(app_backends.queue, _spec("program_refresh"), CONFIG) == ["ok"]

    program = app_backends.documents.read(Container.PROGRAMS, "SIAM", "SIAM").body
    assert program["meta"]["lastRefresh"] is not None
    assert app_backends.queue.count(QUEUE) == 0


def test_an_unknown_program_is_logged_not_retried(app_backends):
    message = {"program": "NOPE", "reason": "manual", "requestedAt": "2026-11-21T09:00:00Z"}
    app_backends.queue.send(QUEUE, json.dumps(message))
    assert process_batch(app_backends.queue, _spec("program_refresh"), CONFIG) == ["ok"]
    assert app_backends.queue.count(poison_queue_name(QUEUE)) == 0


def test_an_sor_outage_does_not_poison_a_program_refresh_message(app_backends, tmp_path):
    from function_app import app

    [job] = [s for s in registered_functions(app) if s.name == "program_refresh"]
    config = HostConfig(visibility_timeout=0, max_dequeue_count=5)
    message = {"program": "SIAM", "reason": "scheduled", "requestedAt": "2026-11-21T09:00:00Z"}
    app_backends.queue.send(QUEUE, json.dumps(message))
    (tmp_path / "sor.sqlite").rename(tmp_path / "sor.offline")
    (tmp_path / "sor.sqlite").mkdir()  # sqlite cannot open a directory: the SoR is down

    for _ in range(5):
        process_batch(app_backends.queue, job, config)

    assert app_backends.queue.count(poison_queue_name(QUEUE)) == 0
    assert app_backends.queue.count(QUEUE) == 1  # waiting, hidden, for the SoR to be back
