"""POST /api/control/memberships/import and GET /api/control/jobs/{id}, through the local host."""

import time
from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.localhost import HostConfig, process_batch, registered_functions
from mosaic.ports.documents import Container
from mosaic.services.membership_import import last_months
from tests.factories import insert_member, sor_membership, sor_record
from tests.functions.conftest import assert_problem

IMPORT = "/api/control/memberships/import"
QUEUE = "membership-refresh"
CONFIG = HostConfig(visibility_timeout=0, max_dequeue_count=5)
STARTS = {
    "SIAM-0000101": date(2026, 9, 30),
    "SIAM-0000102": date(2026, 10, 1),
    "SIAM-0000103": date(2026, 10, 17),
    "SIAM-0000104": date(2026, 10, 31),
    "SIAM-0000105": date(2026, 11, 1),
}


def _spec(name: str):
    from function_app import app

    [spec] = [s for s in registered_functions(app) if s.name == name]
    return spec


@pytest.fixture
def sor(tmp_path, app_backends):
    """The app's SoR with members starting around October 2026 (and SIAM-0000001 in March)."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    for index, (number, starts_on) in enumerate(STARTS.items()):
        membership = sor_membership(
            membership_number=number,
            activation_code=f"{20000 + index}",
            card_number=None,
            starts_on=starts_on,
        )
        insert_member(
            engine, replace(sor_record(), membership=membership, static_vouchers=[], tracking=[])
        )
    yield engine
    engine.dispose()


def _started(engine: sa.Engine, first: date, last: date) -> set[str]:
    m = t.memberships.c
    with engine.connect() as c:
        rows = c.execute(
            sa.select(m.membership_number).where(m.starts_on >= first, m.starts_on <= last)
        )
        return {str(row[0]) for row in rows}


def _process_all(app_backends) -> list[str]:
    """Run the queued refreshes to the end. The served host polls the same queue, so either
    it or this test takes each message: wait until none is left, visible or not."""
    job, outcomes = _spec("membership_refresh"), list[str]()
    deadline = time.monotonic() + 10
    while app_backends.queue.count(QUEUE) and time.monotonic() < deadline:
        batch = process_batch(app_backends.queue, job, CONFIG)
        outcomes += batch
        if not batch:
            time.sleep(0.02)
    assert app_backends.queue.count(QUEUE) == 0
    return outcomes


def test_an_import_of_one_month_registers_exactly_its_memberships(client, app_backends, admin, sor):
    expected = _started(sor, date(2026, 10, 1), date(2026, 10, 31))
    assert expected == {"SIAM-0000102", "SIAM-0000103", "SIAM-0000104"}

    started = client.post(IMPORT, headers=admin, json={"year": 2026, "month": 10})
    assert started.status_code == 202, started.text
    job_id, total = started.json()["jobId"], started.json()["total"]
    assert total == len(expected)
    assert started.headers["location"] == f"/api/control/jobs/{job_id}"
    assert app_backends.queue.count(QUEUE) == len(expected)

    before = client.get(f"/api/control/jobs/{job_id}", headers=admin)
    assert before.status_code == 200, before.text
    progress = before.json()
    assert (progress["id"], progress["kind"], progress["period"]) == (job_id, "import", "2026-10")
    assert (progress["total"], progress["queued"], progress["done"], progress["failed"]) == (
        3,
        3,
        0,
        0,
    )
    assert progress["finished"] is False
    assert progress["createdAt"]

    assert set(_process_all(app_backends)) <= {"ok"}  # the rest ran in the served host
    after = client.get(started.headers["location"], headers=admin).json()
    assert (after["queued"], after["done"], after["failed"], after["finished"]) == (3, 3, 0, True)
    registered = {
        document.id for document in app_backends.documents.iterate(Container.MEMBERSHIPS, "SIAM")
    }
    assert registered == expected


def test_a_membership_gone_from_the_sor_before_its_refresh_counts_as_failed(
    client, app_backends, admin, sor
):
    started = client.post(IMPORT, headers=admin, json={"year": 2026, "month": 10})
    assert started.status_code == 202, started.text
    with sor.begin() as c:
        c.execute(
            sa.delete(t.memberships).where(t.memberships.c.membership_number == "SIAM-0000103")
        )

    _process_all(app_backends)
    after = client.get(started.headers["location"], headers=admin).json()
    assert (after["total"], after["done"], after["failed"], after["finished"]) == (3, 2, 1, True)


def test_the_last_months_count_back_from_this_month(client, app_backends, admin, sor):
    # the local host's clock is tests.factories.NOW: 21 November 2026
    period = last_months(date(2026, 11, 21), 2)
    assert (period.first, period.last) == (date(2026, 10, 1), date(2026, 11, 30))
    started = client.post(IMPORT, headers=admin, json={"months": 2})
    assert started.status_code == 202, started.text
    assert started.json()["total"] == len(_started(sor, period.first, period.last)) == 4
    job = client.get(started.headers["location"], headers=admin).json()
    assert job["period"] == "2026-10..2026-11"


def test_twelve_months_back_cross_a_year():
    period = last_months(date(2026, 2, 10), 12)
    assert (period.first, period.last) == (date(2025, 3, 1), date(2026, 2, 28))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 2026, "month": 13}, "month"),
        ({"year": 2026, "month": 0}, "month"),
        ({"year": 1999, "month": 5}, "year"),
        ({"year": 2026}, "month"),
        ({"month": 5}, "year"),
        ({}, "year"),
        ({"months": 0}, "months"),
        ({"months": 121}, "months"),
        ({"months": "3"}, "months"),
        ({"months": 3, "year": 2026}, "year"),
        ({"months": 3, "month": 4}, "month"),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(client, app_backends, admin, body, field):
    problem = assert_problem(client.post(IMPORT, headers=admin, json=body), 400)
    assert field in {error["field"] for error in problem["errors"]}
    assert app_backends.queue.count(QUEUE) == 0


def test_an_unknown_job_is_a_404(client, admin):
    missing = "job-00000000-0000-0000-0000-000000000000"
    assert_problem(client.get(f"/api/control/jobs/{missing}", headers=admin), 404)


def test_without_the_admin_key_nothing_is_imported_or_shown(client, app_backends, admin):
    assert_problem(client.post(IMPORT, json={"months": 1}), 401)
    assert app_backends.queue.count(QUEUE) == 0
    job_id = client.post(IMPORT, headers=admin, json={"months": 12}).json()["jobId"]
    assert_problem(client.get(f"/api/control/jobs/{job_id}"), 401)


def test_a_message_delivered_twice_is_counted_once(app_backends, sor):
    """The instance died after counting and before deleting the message: the queue hands
    the same message out again. (No served host here: nothing else takes the messages.)"""
    from azure.functions.queue import QueueMessage

    from mosaic.functions.jobs import membership_refresh
    from mosaic.services.membership_import import month_period, read_job, start_import

    job = start_import(app_backends, month_period(2026, 10))
    [first, *_] = app_backends.queue.peek(QUEUE)
    for delivery in (1, 2):
        message = QueueMessage(id=first.id, body=first.body.encode(), dequeue_count=delivery)
        membership_refresh(message)

    progress = read_job(app_backends, job.job_id)
    assert (progress.done, progress.failed, progress.finished) == (1, 0, False)
