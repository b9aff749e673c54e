"""The daily loyalty job: points and tiers expired once, reminders sent once, resumable, and
only the memberships due read."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor.sql import SqlSystemOfRecord
from mosaic.domain.errors import SystemOfRecordUnavailable
from mosaic.domain.loyalty.entries import LedgerKind
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.loyalty.operations import book
from mosaic.domain.loyalty.reminders import PENDING, SENT, SKIPPED
from mosaic.ports.documents import Container, StoredDocument
from mosaic.ports.notifier import NotificationRefused, NotifierUnavailable
from mosaic.services.loyalty_expiry import expire_points
from mosaic.services.program_directory import known_programs, remember_program
from tests.domain.loyalty_factories import at, earned, end_of, thb
from tests.services.loyalty_world import (
    PROGRAM,
    CountingNotifier,
    Crash,
    at_time,
    delivered,
    loyalty_world,
    put_membership,
    read_membership,
    rules,
    utc,
)
from tests.sor_databases import unopenable_sqlite_url

JANUARY_AND_FEBRUARY = (at(2026, 1, 10), at(2026, 2, 10))
"""Two bookings in lot mode: a point expiring 31 May 2026, another 30 Jun 2026."""


def expired_entries(backends, number: str) -> list[int]:
    ledger = read_membership(backends, number).loyalty.ledger
    return [e.points for e in ledger if e.kind is LedgerKind.EXPIRE]


def test_due_points_expire_once_at_08_00_bangkok_after_their_month_ends(tmp_path):
    backends = loyalty_world(tmp_path, at(2026, 2, 10), expiry_mode="lot")
    put_membership(backends, "M1", earned(*JANUARY_AND_FEBRUARY, mode="lot"))

    # 31 May 08:00 in Bangkok: the May point is still good until midnight there.
    on_the_last_day = expire_points(at_time(backends, utc(2026, 5, 31)))
    assert on_the_last_day.total("points_expired") == 0
    assert expired_entries(backends, "M1") == []

    first = expire_points(at_time(backends, utc(2026, 6, 1)))
    again = expire_points(at_time(backends, utc(2026, 6, 1)))
    next_day = expire_points(at_time(backends, utc(2026, 6, 2)))

    assert (first.total("points_expired"), first.total("entries_written")) == (1, 1)
    assert again.totals == next_day.totals == dict.fromkeys(first.totals, 0)
    assert expired_entries(backends, "M1") == [-1]
    assert read_membership(backends, "M1").loyalty.balance == 1  # June's point holds


def test_a_tier_granted_by_a_booking_lapses_when_its_validity_ends(tmp_path):
    backends = loyalty_world(tmp_path, at(2026, 1, 10), points_per_booking=5)
    granted = book(
        put_membership(backends, "M1"),
        "B-1",
        thb("500"),
        at(2026, 1, 10),
        rules(backends),
        at(2026, 1, 10),
    )
    assert granted.document.loyalty.tier == "silver"  # until 31 May 2026
    put_membership(backends, "M1", granted.document.loyalty)

    report = expire_points(at_time(backends, utc(2026, 6, 1)))
    again = expire_points(at_time(backends, utc(2026, 6, 1)))

    assert (report.total("tiers_expired"), report.total("points_expired")) == (1, 5)
    assert again.total("tiers_expired") == 0
    after = read_membership(backends, "M1").loyalty
    assert (after.tier, after.tier_expires_at) == (None, None)


def test_a_tier_whose_validity_ends_is_granted_again_from_the_points_still_held(tmp_path):
    backends = loyalty_world(tmp_path, at(2026, 3, 10), points_per_booking=5)
    held = earned(at(2026, 3, 10), points=5).model_copy(
        update={
            "tier": "silver",
            "tier_granted_at": at(2026, 1, 5),
            "tier_expires_at": end_of(2026, 5, 31),
        }
    )
    put_membership(backends, "M1", held)

    report = expire_points(at_time(backends, utc(2026, 6, 1)))

    assert report.total("tiers_expired") == 1
    loyalty = read_membership(backends, "M1").loyalty
    assert (loyalty.tier, loyalty.tier_expires_at) == ("silver", end_of(2026, 10, 31))


def test_one_points_reminder_per_expiry_date_from_08_00_seven_days_before(tmp_path):
    backends = loyalty_world(tmp_path, at(2026, 2, 10), expiry_mode="lot")
    put_membership(backends, "M1", earned(*JANUARY_AND_FEBRUARY, mode="lot"))
    counting = CountingNotifier(backends.notifier)

    def run(instant):
        return expire_points(at_time(backends, instant, counting))

    assert run(utc(2026, 5, 23)).total("reminders_sent") == 0  # D-8
    assert run(utc(2026, 5, 24)).total("reminders_sent") == 1  # D-7, 08:00 Bangkok
    assert run(utc(2026, 5, 24)).total("reminders_sent") == 0
    assert run(utc(2026, 5, 30)).total("reminders_sent") == 0
    assert run(utc(2026, 6, 23)).total("reminders_sent") == 1  # D-7 of June's point

    assert counting.handed == ["M1:points-expiry:2026-05-31", "M1:points-expiry:2026-06-30"]
    [(_, may), _] = backends.notifier.sent(PROGRAM)  # type: ignore[attr-defined]
    assert (may.to, may.template, may.data["points"], may.data["expiresOn"]) == (
        "ploy@example.com",
        "points-expiry",
        1,
        "2026-05-31",
    )
    assert may.subject
    assert may.html
    assert "Ploy Srisuk" in (may.text or "")
    statuses = {n.key: n.status for n in read_membership(backends, "M1").notifications}
    assert statuses == {"points-expiry:2026-05-31": SENT, "points-expiry:2026-06-30": SENT}


def test_renewal_reminders_go_30_and_7_days_before_the_membership_ends_once_each(tmp_path):
    backends = loyalty_world(tmp_path, utc(2026, 12, 1))
    put_membership(backends, "M1")  # no points; the membership ends 28 Feb 2027
    counting = CountingNotifier(backends.notifier)

    def run(instant):
        return expire_points(at_time(backends, instant, counting)).total("reminders_sent")

    sent = [
        run(utc(2027, 1, 28)),
        run(utc(2027, 1, 29)),  # D-30
        run(utc(2027, 1, 29)),
        run(utc(2027, 2, 1)),
        run(utc(2027, 2, 21)),  # D-7
        run(utc(2027, 2, 21, 9)),
        run(utc(2027, 2, 27)),
    ]

    assert sent == [0, 1, 0, 0, 1, 0, 0]
    assert counting.handed == ["M1:renewal:2027-02-28:30", "M1:renewal:2027-02-28:7"]
    assert [n.template for _, n in backends.notifier.sent(PROGRAM)] == ["renewal", "renewal"]  # type: ignore[attr-defined]


def test_a_member_without_an_email_address_has_the_reminder_recorded_skipped_not_retried(
    tmp_path,
):
    backends = loyalty_world(tmp_path, utc(2026, 12, 1))
    put_membership(backends, "M1", email=None)
    counting = CountingNotifier(backends.notifier)

    first = expire_points(at_time(backends, utc(2027, 1, 29), counting))
    again = expire_points(at_time(backends, utc(2027, 1, 29), counting))

    assert (first.total("reminders_skipped"), again.total("examined")) == (1, 0)
    assert counting.handed == []
    [record] = read_membership(backends, "M1").notifications
    assert (record.key, record.status) == ("renewal:2027-02-28:30", SKIPPED)


def test_a_reminder_the_provider_refuses_is_recorded_refused_and_not_sent_again(tmp_path):
    backends = loyalty_world(tmp_path, utc(2026, 12, 1))
    put_membership(backends, "M1")
    counting = CountingNotifier(backends.notifier, fail_after=0, failure=NotificationRefused)

    first = expire_points(at_time(backends, utc(2027, 1, 29), counting))
    again = expire_points(at_time(backends, utc(2027, 1, 30), counting))

    assert (first.total("reminders_refused"), again.total("examined")) == (1, 0)
    assert len(counting.handed) == 1


def _three_members_due(tmp_path):
    """Three members, each with May's point to expire and June's to remind of on 24 June."""
    backends = loyalty_world(tmp_path, at(2026, 2, 10), expiry_mode="lot")
    for number in ("M1", "M2", "M3"):
        put_membership(backends, number, earned(*JANUARY_AND_FEBRUARY, mode="lot"))
    return backends, utc(2026, 6, 23)


def test_a_run_that_dies_after_handing_a_reminder_over_resumes_without_sending_twice(tmp_path):
    backends, day = _three_members_due(tmp_path)
    dying = CountingNotifier(backends.notifier, fail_after=1)

    with pytest.raises(Crash):
        expire_points(at_time(backends, day, dying))
    pending = [
        n.status for m in ("M1", "M2", "M3") for n in read_membership(backends, m).notifications
    ]
    assert pending == [SENT, PENDING]  # the third member was not reached
    resumed = CountingNotifier(backends.notifier)
    report = expire_points(at_time(backends, day, resumed))
    later = expire_points(at_time(backends, utc(2026, 6, 25), resumed))

    assert report.total("reminders_sent") == 2  # the one left pending and the third
    assert later.total("examined") == 0
    assert sorted(map(str, resumed.handed)) == [
        "M2:points-expiry:2026-06-30",
        "M3:points-expiry:2026-06-30",
    ]
    assert sorted(delivered(backends).values()) == [1, 1, 1]
    assert [expired_entries(backends, m) for m in ("M1", "M2", "M3")] == [[-1], [-1], [-1]]


def test_reminders_left_while_the_provider_is_down_go_at_the_next_run(tmp_path):
    backends, day = _three_members_due(tmp_path)
    down = CountingNotifier(backends.notifier, fail_after=1, failure=NotifierUnavailable)

    first = expire_points(at_time(backends, day, down))
    second = expire_points(at_time(backends, day))

    assert (first.total("reminders_sent"), first.total("reminders_pending")) == (1, 2)
    assert first.total("points_expired") == 3  # the expiry does not wait for the provider
    assert (second.total("reminders_sent"), second.total("points_expired")) == (2, 0)
    assert sorted(delivered(backends).values()) == [1, 1, 1]


class ReadSpy:
    """A document store that notes the id of every membership it hands out."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.read_ids: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def read(self, *args: Any, **kwargs: Any) -> StoredDocument:
        found: StoredDocument = self.store.read(*args, **kwargs)
        self.read_ids.append(found.id)
        return found

    def iterate(self, *args: Any, **kwargs: Any) -> Iterator[StoredDocument]:
        for found in self.store.iterate(*args, **kwargs):
            self.read_ids.append(found.id)
            yield found


def test_memberships_not_due_are_never_read(tmp_path):
    backends = loyalty_world(tmp_path, at(2026, 2, 10), expiry_mode="lot")
    put_membership(backends, "DUE", earned(at(2026, 1, 10), mode="lot"))
    put_membership(backends, "LATER", earned(at(2026, 3, 10), mode="lot"))
    put_membership(backends, "NO-POINTS")
    spy = ReadSpy(backends.documents)

    report = expire_points(dataclasses.replace(at_time(backends, utc(2026, 6, 1)), documents=spy))

    assert report.total("examined") == 1
    assert [i for i in spy.read_ids if i != PROGRAM] == ["DUE"]


def test_a_booking_written_while_the_job_decides_is_kept(tmp_path):
    backends = loyalty_world(tmp_path, at(2026, 2, 10), expiry_mode="lot")
    put_membership(backends, "M1", earned(at(2026, 1, 10), mode="lot"))
    booked = book(
        read_membership(backends, "M1"),
        "B-late",
        thb("500"),
        at(2026, 5, 31, 20),
        rules(backends),
        at(2026, 5, 31, 20),
    )
    job = at_time(backends, utc(2026, 6, 1))
    interleaved = _BookingInterleaved(job.documents, booked.document.loyalty)

    report = expire_points(dataclasses.replace(job, documents=interleaved))

    assert report.total("points_expired") == 1
    loyalty = read_membership(backends, "M1").loyalty
    assert [e.reference for e in loyalty.ledger if e.kind is LedgerKind.EARN][1:] == ["B-late"]
    assert [e.points for e in loyalty.ledger if e.kind is LedgerKind.EXPIRE] == [-1]
    assert loyalty.balance == 1


class _BookingInterleaved(ReadSpy):
    """Hands out each membership due as queried, after writing a booking to it: the job's
    write, conditional on the version it was handed, conflicts."""

    def __init__(self, store: Any, booked: Loyalty) -> None:
        super().__init__(store)
        self.booked = booked

    def iterate(self, *args: Any, **kwargs: Any) -> Iterator[StoredDocument]:
        for found in self.store.iterate(*args, **kwargs):
            body = found.body | {"loyalty": self.booked.model_dump(mode="json", by_alias=True)}
            self.store.replace(Container.MEMBERSHIPS, body, if_match=found.etag)
            yield found


def test_the_job_runs_over_every_program_it_knows_while_the_sor_is_down(tmp_path):
    backends = loyalty_world(tmp_path, at(2026, 2, 10), expiry_mode="lot")
    put_membership(backends, "M1", earned(at(2026, 1, 10), mode="lot"))
    remember_program(backends, PROGRAM)
    remember_program(backends, PROGRAM)  # listed once
    down = SqlSystemOfRecord(sa.create_engine(unopenable_sqlite_url(tmp_path)))
    offline = dataclasses.replace(at_time(backends, utc(2026, 6, 1)), sor=down)

    report = expire_points(offline)

    assert known_programs(backends) == [PROGRAM]
    assert report.total("points_expired") == 1


def test_before_any_program_is_listed_the_job_asks_the_sor_and_says_when_it_is_down(tmp_path):
    backends = loyalty_world(tmp_path, at(2026, 2, 10))
    down = SqlSystemOfRecord(sa.create_engine(unopenable_sqlite_url(tmp_path)))

    with pytest.raises(SystemOfRecordUnavailable):
        expire_points(dataclasses.replace(backends, sor=down))


def test_back_office_search_shows_the_balance_after_points_expire(tmp_path):
    backends = loyalty_world(tmp_path, at(2026, 2, 10), expiry_mode="lot")
    put_membership(backends, "M1", earned(*JANUARY_AND_FEBRUARY, mode="lot"))

    expire_points(at_time(backends, utc(2026, 6, 1)))

    (entry,) = backends.search.search(PROGRAM, None).items
    assert entry.points == 1
