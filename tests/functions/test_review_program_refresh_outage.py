"""Review of the refresh processor (issue 6): the program-refresh queue under an SoR outage."""

import json

import pytest

from mosaic.localhost import HostConfig, poison_queue_name, process_batch, registered_functions

QUEUE = "program-refresh"
CONFIG = HostConfig(visibility_timeout=0, max_dequeue_count=5)


@pytest.mark.xfail(
    strict=True,
    reason="review: program_refresh lets SystemOfRecordUnavailable raise, so an SoR outage "
    "poisons program-refresh messages after five quick tries",
)
def test_an_sor_outage_does_not_poison_a_program_refresh_message(app_backends, tmp_path):
    from function_app import app

    [job] = [s for s in registered_functions(app) if s.name == "program_refresh"]
    message = {"program": "SIAM", "reason": "scheduled", "requestedAt": "2026-11-21T09:00:00Z"}
    app_backends.queue.send(QUEUE, json.dumps(message))
    (tmp_path / "sor.sqlite").rename(tmp_path / "sor.offline")
    (tmp_path / "sor.sqlite").mkdir()  # sqlite cannot open a directory: the SoR is down

    for _ in range(5):
        process_batch(app_backends.queue, job, CONFIG)

    assert app_backends.queue.count(poison_queue_name(QUEUE)) == 0
