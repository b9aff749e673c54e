"""POST /api/control/memberships/update and the hourly timer, through the local host."""

import time
from datetime import UTC, datetime

import sqlalchemy as sa

from mosaic.localhost import HostConfig, process_batch, registered_functions
from mosaic.ports.documents import Container
from mosaic.services import membership_update
from mosaic.services.refresh_requests import RefreshReason, request_refresh
from tests.functions.conftest import assert_problem
from tests.sor_rows import touch_membership

UPDATE = "/api/control/memberships/update"
QUEUE = "membership-refresh"
NUMBER = "SIAM-0000001"
CONFIG = HostConfig(visibility_timeout=0, max_dequeue_count=5)


def _spec(name: str):
    from function_app import app

    [spec] = [s for s in registered_functions(app) if s.name == name]
    return spec


def _rename(tmp_path, name: str) -> None:
    """An SoR change, stamped with the wall clock as the SoR stamps its rows."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    touch_membership(engine, NUMBER, datetime.now(UTC), name)
    engine.dispose()


def _settle(app_backends, job) -> None:
    """Run the queued refreshes to the end. The served host polls the same queue, so either
    it or this test takes a message: wait until none is left, visible or not."""
    deadline = time.monotonic() + 10
    while app_backends.queue.count(QUEUE) and time.monotonic() < deadline:
        if not process_batch(app_backends.queue, job, CONFIG):
            time.sleep(0.02)
    assert app_backends.queue.count(QUEUE) == 0


def _name(app_backends) -> str:
    body = app_backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER).body
    return str(body["membership"]["memberName"])


def test_the_hourly_timer_is_registered():
    spec = _spec("update_memberships")
    assert (spec.kind, spec.schedule) == ("timer", "0 0 * * * *")


def test_without_the_admin_key_nothing_is_queued(client, app_backends):
    assert_problem(client.post(UPDATE), 401)
    assert app_backends.queue.count(QUEUE) == 0


def test_an_sor_change_shows_in_the_document_after_the_update_and_not_before(
    client, app_backends, admin, tmp_path
):
    job = _spec("membership_refresh")
    request_refresh(app_backends, "SIAM", NUMBER, RefreshReason.MANUAL)
    _settle(app_backends, job)
    before = _name(app_backends)

    first = client.post(UPDATE, headers=admin)
    assert first.status_code == 200, first.text
    [siam] = first.json()["programs"]
    assert (siam["program"], siam["queued"], first.json()["queued"]) == ("SIAM", 0, 0)
    assert app_backends.queue.count(QUEUE) == 0  # an unchanged membership is not queued

    time.sleep(0.01)
    _rename(tmp_path, "Ploy Changed")
    assert process_batch(app_backends.queue, job, CONFIG) == []
    assert _name(app_backends) == before  # not before the update

    second = client.post(UPDATE, headers=admin)
    assert second.status_code == 200, second.text
    [siam2] = second.json()["programs"]
    assert siam2["queued"] == 1
    # The window reaches back before the last watermark, for rows of long SoR transactions.
    since = datetime.fromisoformat(siam2["since"])
    assert since == datetime.fromisoformat(siam["watermark"]) - membership_update.OVERLAP
    assert datetime.fromisoformat(siam2["watermark"]) > datetime.fromisoformat(siam["watermark"])
    stored = app_backends.documents.read(
        Container.SYSTEM, "SIAM", membership_update.WATERMARK_ID
    ).body
    assert datetime.fromisoformat(stored["watermark"]) == datetime.fromisoformat(siam2["watermark"])
    _settle(app_backends, job)
    assert _name(app_backends) == "Ploy Changed"


def test_the_timer_runs_the_update(app_backends):
    from mosaic.functions.jobs import update_memberships

    update_memberships(None)
    stored = app_backends.documents.read(Container.SYSTEM, "SIAM", membership_update.WATERMARK_ID)
    assert stored.body["kind"] == "watermark"
