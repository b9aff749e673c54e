"""The hourly membership update: watermarks, the overlap of its windows, concurrent runs."""

import json
import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mosaic.adapters.clock import FixedClock
from mosaic.adapters.sor.sql import SqlSystemOfRecord
from mosaic.ports.documents import Container
from mosaic.services.membership_update import (
    FIRST_RUN_LOOKBACK,
    OVERLAP,
    WATERMARK_ID,
    update_memberships,
)
from tests.factories import NOW, embedded_backends, sor_engine
from tests.sor_rows import insert_bare_member, insert_offer, touch_membership

QUEUE = "membership-refresh"


@pytest.fixture
def engine(tmp_path) -> sa.Engine:
    engine = sor_engine(tmp_path)
    for n in (1, 2):
        insert_bare_member(engine, f"SIAM-000000{n}", f"1000{n}", NOW - timedelta(days=30))
    return engine


def _queued(backends) -> list[str]:
    return [json.loads(m.body)["membershipNumber"] for m in backends.queue.peek(QUEUE)]


def _watermark(backends) -> str:
    return str(backends.documents.read(Container.SYSTEM, "SIAM", WATERMARK_ID).body["watermark"])


def test_the_first_run_looks_one_hour_back_up_to_now(tmp_path, engine):
    clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=clock)
    touch_membership(engine, "SIAM-0000001", NOW - FIRST_RUN_LOOKBACK + timedelta(seconds=1))
    [update] = update_memberships(backends).programs
    assert (update.since, update.until) == (NOW - FIRST_RUN_LOOKBACK, NOW)
    assert update.queued == 1
    assert _queued(backends) == ["SIAM-0000001"]  # unchanged SIAM-0000002 is not queued
    assert _watermark(backends) == NOW.isoformat()


def test_a_row_committed_after_a_run_is_picked_up_by_the_next_run_and_not_before(tmp_path, engine):
    clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=clock)
    assert update_memberships(backends).queued == 0
    # Stamped by a transaction still open during the last run, committed after it: behind
    # the watermark, inside the overlap.
    touch_membership(engine, "SIAM-0000002", NOW - OVERLAP + timedelta(seconds=1))
    assert update_memberships(backends).queued == 0  # the clock has not moved: no window
    assert _queued(backends) == []
    clock.advance(timedelta(hours=1))
    [update] = update_memberships(backends).programs
    assert (update.since, update.until, update.queued) == (NOW - OVERLAP, clock.now(), 1)
    assert _queued(backends) == ["SIAM-0000002"]


def test_a_row_of_a_long_sor_transaction_committed_after_a_run_is_picked_up_by_the_next(
    tmp_path, engine
):
    clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=clock)
    update_memberships(backends)  # the watermark: now
    # A batch job's transaction stamped the row 30 s before that run and committed after it.
    touch_membership(engine, "SIAM-0000001", clock.now() - timedelta(seconds=30), name="Renamed")
    clock.advance(timedelta(hours=1))

    assert update_memberships(backends).queued == 1


def test_a_row_stamped_before_the_overlap_is_not_read_again(tmp_path, engine):
    clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=clock)
    touch_membership(engine, "SIAM-0000001", NOW - OVERLAP - timedelta(minutes=1))
    assert update_memberships(backends).queued == 1  # the first run's hour holds it
    clock.advance(timedelta(hours=1))
    assert update_memberships(backends).queued == 0


def test_a_row_in_the_overlap_is_queued_by_both_runs_and_the_watermark_moves_on(tmp_path, engine):
    """Refreshes are idempotent: reading a row twice costs a refresh, skipping one a change."""
    clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=clock)
    touch_membership(engine, "SIAM-0000001", NOW - timedelta(minutes=1))
    assert update_memberships(backends).queued == 1
    clock.advance(timedelta(hours=1))
    [update] = update_memberships(backends).programs
    assert (update.queued, update.watermark) == (1, clock.now())
    clock.advance(timedelta(hours=1))
    assert update_memberships(backends).queued == 0


def test_an_offer_change_queues_every_digital_membership(tmp_path, engine):
    clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=clock)
    update_memberships(backends)
    for number in ("SIAM-0000001", "SIAM-0000002"):
        backends.documents.upsert(
            Container.MEMBERSHIPS,
            {"id": number, "program": "SIAM", "meta": {"mode": "full"}},
        )
    backends.documents.upsert(
        Container.MEMBERSHIPS, {"id": "INVITEE", "program": "SIAM", "meta": {"mode": "invitee"}}
    )
    insert_offer(engine, "O1", NOW.date(), NOW.date(), NOW + timedelta(minutes=1))
    clock.advance(timedelta(hours=1))
    [update] = update_memberships(backends).programs
    assert update.program_wide
    assert sorted(_queued(backends)) == ["SIAM-0000001", "SIAM-0000002"]


class _Meeting:
    """A SoR whose change reads wait for each other: both runs read the watermark first."""

    def __init__(self, sor, barrier: threading.Barrier, first_writer_until) -> None:
        self._sor = sor
        self._barrier = barrier
        self._first = first_writer_until

    def __getattr__(self, name):
        return getattr(self._sor, name)

    def membership_changes(self, program, *, since, until):
        changes = self._sor.membership_changes(program, since=since, until=until)
        self._barrier.wait()
        if until != self._first:
            time.sleep(0.2)  # the other run writes its watermark first
        return changes


@pytest.mark.parametrize("later_writes_first", [True, False])
def test_two_runs_at_once_lose_no_row_and_the_watermark_only_moves_forward(
    tmp_path, engine, later_writes_first
):
    early, late = FixedClock(NOW + timedelta(minutes=5)), FixedClock(NOW + timedelta(minutes=30))
    base = embedded_backends(tmp_path, engine=engine, wall_clock=FixedClock(NOW))
    update_memberships(base)  # watermark: NOW
    touch_membership(engine, "SIAM-0000001", NOW + timedelta(minutes=10))  # the late run's
    touch_membership(engine, "SIAM-0000002", NOW + timedelta(minutes=1))  # both runs see it
    first = (late if later_writes_first else early).now()
    barrier = threading.Barrier(2, timeout=10)
    runs = [
        replace(
            base,
            sor=_Meeting(SqlSystemOfRecord(engine, file_clock=clock), barrier, first),
            wall_clock=clock,
        )
        for clock in (early, late)
    ]
    reports = []
    threads = [
        threading.Thread(target=lambda b=b: reports.append(update_memberships(b))) for b in runs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(reports) == 2
    assert set(_queued(base)) == {"SIAM-0000001", "SIAM-0000002"}
    final = late.now()
    assert _watermark(base) == final.isoformat()
    by_until = {report.programs[0].until: report.programs[0].watermark for report in reports}
    early_until = early.now()
    # The early run, losing to the late one, found a later watermark and left it there.
    assert by_until == {final: final, early_until: final if later_writes_first else early_until}


def test_windows_follow_the_sor_clock_when_this_machine_runs_ahead(tmp_path, engine):
    """This machine's clock is an hour ahead of the SoR's: a row the SoR stamps after a run
    is still found by the next one, as the windows are read in the SoR's time."""
    sor_clock = FixedClock(NOW)
    ahead = FixedClock(NOW + timedelta(hours=1))
    backends = replace(
        embedded_backends(tmp_path, engine=engine, wall_clock=ahead),
        sor=SqlSystemOfRecord(engine, file_clock=sor_clock),
    )
    update_memberships(backends)
    assert _queued(backends) == []

    touch_membership(engine, "SIAM-0000001", NOW + timedelta(seconds=1))
    sor_clock.advance(timedelta(minutes=1))
    update_memberships(backends)

    assert _queued(backends) == ["SIAM-0000001"]
