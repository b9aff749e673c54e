"""The hourly update after program-wide changes that stamp no row: a row deleted in the SoR
(its tombstone) and the first day of a campaign. Each reaches the member without a login."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from mosaic.adapters.clock import FixedClock
from mosaic.adapters.sor import schema as t
from mosaic.services.backends import Backends
from mosaic.services.membership_update import update_memberships
from mosaic.services.refresh import (
    MembershipRefreshRequest,
    RefreshReason,
    refresh_membership,
    refresh_requested,
)
from tests.factories import NOW, embedded_backends, insert_member, sor_engine
from tests.services.test_refresh_dynamic_vouchers import insert_campaign, stored
from tests.sor_rows import delete_rows, insert_offer, link_offer_to_packages

NUMBER = "SIAM-0000001"
MANUAL = RefreshReason.MANUAL
QUEUE = "membership-refresh"


def run_queue(backends: Backends) -> None:
    """What the queue trigger does with every visible refresh request."""
    for message in backends.queue.receive(QUEUE, max_messages=32, visibility_timeout=30):
        refresh_requested(backends, MembershipRefreshRequest.model_validate_json(message.body))
        backends.queue.delete(QUEUE, message)


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = sor_engine(tmp_path)
    insert_member(engine)  # a Gold member
    return engine


def test_an_offer_opened_to_every_package_reaches_the_members_by_the_update(tmp_path, engine):
    clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=clock)
    long_ago = NOW - timedelta(days=20)
    insert_offer(engine, "O1", date(2026, 11, 1), date(2026, 11, 30), long_ago)
    link_offer_to_packages(engine, "O1", ["SIAM-PLATINUM"], long_ago)  # platinum only
    assert refresh_membership(backends, "SIAM", NUMBER, MANUAL).offers == []
    update_memberships(backends)
    clock.advance(timedelta(minutes=1))
    # The back office opens the offer to everyone: its package links are deleted.
    delete_rows(engine, t.offer_packages, clock.now(), t.offer_packages.c.offer == "O1")
    clock.advance(timedelta(hours=1))

    assert update_memberships(backends).programs[0].program_wide
    run_queue(backends)

    assert [o.code for o in stored(backends).offers] == ["O1"]


def test_a_voucher_deleted_in_the_sor_leaves_the_document_by_the_update(tmp_path, engine):
    clock = FixedClock(NOW)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=clock)
    assert [v.code for v in refresh_membership(backends, "SIAM", NUMBER, MANUAL).static_vouchers]
    update_memberships(backends)
    clock.advance(timedelta(minutes=1))
    delete_rows(engine, t.static_vouchers, clock.now(), t.static_vouchers.c.code == "54321")
    clock.advance(timedelta(hours=1))

    [update] = update_memberships(backends).programs
    run_queue(backends)

    assert (update.queued, update.program_wide) == (1, False)
    assert stored(backends).static_vouchers == []


def test_a_campaign_starting_later_reaches_the_member_by_the_update_on_its_first_day(
    tmp_path, engine
):
    insert_campaign(
        engine,
        "C1",
        valid_from=date(2026, 11, 23),
        valid_to=date(2026, 11, 30),
        updated_at=NOW - timedelta(days=1),
    )
    today = embedded_backends(tmp_path, engine=engine)
    assert refresh_membership(today, "SIAM", NUMBER, MANUAL).dynamic_vouchers == []
    update_memberships(today)
    eve = NOW + timedelta(days=1, hours=7)  # 16:30 UTC on the 22nd: 23:30 in Bangkok
    before = embedded_backends(tmp_path, engine=engine, now=eve, wall_clock=FixedClock(eve))
    assert update_memberships(before).queued == 0
    later = NOW + timedelta(days=2)  # 23 November, Bangkok
    then = embedded_backends(tmp_path, engine=engine, now=later, wall_clock=FixedClock(later))

    update_memberships(then)
    run_queue(then)

    assert [v.campaign for v in stored(then).dynamic_vouchers] == ["C1"]
