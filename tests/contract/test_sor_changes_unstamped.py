"""Changes that leave no `updated_at` behind, on every kind of SoR database: a row deleted (its
tombstone in `sor_deletions`) and a day begun on which a campaign or an offer starts or ends
(in the program's timezone)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.ports.sor import SorChanges, SystemOfRecord
from tests.contract.test_sor_changes import (
    INSIDE,
    OLD,
    SINCE,
    UNTIL,
    assert_program_wide_in_siam_inside_the_window_only,
)
from tests.factories import insert_member, insert_program, sor_record, static_voucher
from tests.sor_rows import (
    delete_rows,
    insert_bare_member,
    insert_campaign,
    insert_devices,
    insert_offer,
    insert_reservation,
    link_offer_to_packages,
)

BANGKOK_MIDNIGHT = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
"""22 November 2026 begins in Bangkok (SIAM's zone); in Dubai (LUMA's) it is 21:00."""
SECOND = timedelta(seconds=1)


@pytest.fixture
def programs(sor_database: sa.Engine) -> sa.Engine:
    """SIAM (Bangkok) with SIAM-0000001 (voucher 54321, a tracking row, a reservation, a
    device) and SIAM-0000002; LUMA (Dubai): every row unchanged since OLD."""
    insert_program(sor_database)
    insert_program(sor_database, "LUMA", "Luma Rewards", "Asia/Dubai", "AED")
    voucher = static_voucher("54321", updated_at=OLD)
    insert_member(sor_database, replace(sor_record(), static_vouchers=[voucher]))
    insert_bare_member(sor_database, "SIAM-0000002", "10002", OLD)
    insert_reservation(sor_database, "R1", date(2026, 12, 1), OLD)
    insert_devices(sor_database, ["ios"])
    with sor_database.begin() as c:
        c.execute(sa.update(t.devices).values(updated_at=OLD))
        c.execute(sa.update(t.tracking_transactions).values(updated_at=OLD))
    return sor_database


def _deletion_count(engine: sa.Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(t.sor_deletions)).scalar_one())


def test_a_deleted_row_of_a_membership_names_its_membership(
    programs: sa.Engine, sor: SystemOfRecord
) -> None:
    """Each membership table in turn, each deletion at its own instant; then a membership."""
    tables = (t.static_vouchers, t.tracking_transactions, t.reservations, t.devices)
    for n, table in enumerate(tables, start=1):
        at = SINCE + timedelta(minutes=n)
        assert delete_rows(programs, table, at, table.c.membership_number == "SIAM-0000001") == 1
        changes = sor.membership_changes("SIAM", since=at - SECOND, until=at)
        assert changes.membership_numbers == {"SIAM-0000001"}, table.name
        assert not changes.program_wide, table.name
    number = t.memberships.c.membership_number == "SIAM-0000002"
    assert delete_rows(programs, t.memberships, INSIDE, number) == 1

    assert sor.membership_changes("SIAM", since=INSIDE - SECOND, until=INSIDE) == SorChanges(
        frozenset({"SIAM-0000002"})
    )
    assert sor.membership_changes("SIAM", since=SINCE, until=UNTIL).membership_numbers == {
        "SIAM-0000001",
        "SIAM-0000002",
    }
    assert sor.membership_changes("LUMA", since=SINCE, until=UNTIL).membership_numbers == set()


def test_a_deletion_counts_inside_its_window_only(programs: sa.Engine, sor: SystemOfRecord) -> None:
    delete_rows(programs, t.static_vouchers, SINCE, t.static_vouchers.c.code == "54321")
    delete_rows(programs, t.devices, UNTIL + SECOND, t.devices.c.id == "D0")

    assert sor.membership_changes("SIAM", since=SINCE, until=UNTIL).membership_numbers == set()
    later = sor.membership_changes("SIAM", since=UNTIL, until=UNTIL + timedelta(hours=1))
    assert later.membership_numbers == {"SIAM-0000001"}


PROGRAM_WIDE_ROWS = {
    "offers": t.offers.c.code == "O2",  # an offer without package links
    "offer_packages": t.offer_packages.c.offer == "O1",
    "dynamic_voucher_campaigns": t.dynamic_voucher_campaigns.c.id == "C1",
}


@pytest.mark.parametrize("table", sorted(PROGRAM_WIDE_ROWS))
def test_a_deleted_program_wide_row_is_a_program_wide_change(
    programs: sa.Engine, sor: SystemOfRecord, table: str
) -> None:
    for offer in ("O1", "O2"):
        insert_offer(programs, offer, date(2026, 1, 1), date(2027, 1, 1), OLD)
    link_offer_to_packages(programs, "O1", ["SIAM-GOLD"], OLD)
    insert_campaign(programs, "C1", date(2026, 1, 1), date(2027, 1, 1), OLD)
    assert not sor.membership_changes("SIAM", since=SINCE, until=UNTIL).program_wide

    assert delete_rows(programs, t.metadata.tables[table], INSIDE, PROGRAM_WIDE_ROWS[table]) == 1

    assert_program_wide_in_siam_inside_the_window_only(sor)


def test_a_tombstone_keeps_the_deleted_rows_key_and_membership(
    programs: sa.Engine, sor: SystemOfRecord
) -> None:
    insert_offer(programs, "O1", date(2026, 1, 1), date(2027, 1, 1), OLD)
    link_offer_to_packages(programs, "O1", ["SIAM-GOLD"], OLD)
    delete_rows(programs, t.offer_packages, INSIDE, t.offer_packages.c.offer == "O1")
    delete_rows(programs, t.static_vouchers, INSIDE, t.static_vouchers.c.code == "54321")
    assert delete_rows(programs, t.static_vouchers, INSIDE, t.static_vouchers.c.code == "0") == 0

    d = t.sor_deletions.c
    with programs.connect() as c:
        rows = c.execute(
            sa.select(d.table_name, d.row_key, d.membership_number, d.deleted_at).order_by(
                d.table_name
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("offer_packages", "O1|SIAM-GOLD", None, INSIDE),
        ("static_vouchers", "54321", "SIAM-0000001", INSIDE),
    ]


def _bangkok_midnight(day: date) -> datetime:
    return BANGKOK_MIDNIGHT + (day - date(2026, 11, 22))


@pytest.mark.parametrize("table", ["offers", "dynamic_voucher_campaigns"])
def test_a_campaign_or_offer_starting_or_ending_on_a_day_begun_in_the_window_is_program_wide(
    programs: sa.Engine, sor: SystemOfRecord, table: str
) -> None:
    insert = insert_offer if table == "offers" else insert_campaign
    insert(programs, "X1", date(2026, 11, 22), date(2026, 11, 30), OLD)

    def program_wide(day: date) -> bool:
        """Whether the window holding `day`'s first instant in Bangkok is program-wide."""
        midnight = _bangkok_midnight(day)
        changes = sor.membership_changes("SIAM", since=midnight - SECOND, until=midnight)
        assert changes.membership_numbers == frozenset()
        return changes.program_wide

    assert program_wide(date(2026, 11, 22))  # its first day
    assert program_wide(date(2026, 12, 1))  # the first day after its end
    assert not program_wide(date(2026, 11, 21))  # the day before
    assert not program_wide(date(2026, 11, 23))  # its second day
    assert not program_wide(date(2026, 11, 30))  # its last day: nothing new
    assert not program_wide(date(2026, 12, 2))


def test_a_day_begins_at_the_programs_midnight_not_utcs(
    programs: sa.Engine, sor: SystemOfRecord
) -> None:
    """Bangkok's 22 November begins at 17:00 UTC on the 21st; UTC's and Dubai's have not."""
    insert_campaign(programs, "C1", date(2026, 11, 22), date(2026, 11, 30), OLD)
    insert_campaign(programs, "L1", date(2026, 11, 22), date(2026, 11, 30), OLD, program="LUMA")

    def program_wide(program: str, since: datetime, until: datetime) -> bool:
        return sor.membership_changes(program, since=since, until=until).program_wide

    assert program_wide("SIAM", BANGKOK_MIDNIGHT - SECOND, BANGKOK_MIDNIGHT)
    assert not program_wide("SIAM", BANGKOK_MIDNIGHT, BANGKOK_MIDNIGHT + timedelta(hours=6))
    assert not program_wide(
        "SIAM", BANGKOK_MIDNIGHT - timedelta(hours=6), BANGKOK_MIDNIGHT - SECOND
    )
    assert not program_wide("LUMA", BANGKOK_MIDNIGHT - SECOND, BANGKOK_MIDNIGHT)
    dubai_midnight = BANGKOK_MIDNIGHT + timedelta(hours=3)
    assert program_wide("LUMA", dubai_midnight - SECOND, dubai_midnight)


def test_a_window_of_several_days_sees_every_day_begun_in_it(
    programs: sa.Engine, sor: SystemOfRecord
) -> None:
    insert_offer(programs, "O1", date(2026, 11, 1), date(2026, 11, 23), OLD)  # over on the 24th

    def program_wide(until: datetime) -> bool:
        since = BANGKOK_MIDNIGHT - SECOND
        return sor.membership_changes("SIAM", since=since, until=until).program_wide

    assert not program_wide(BANGKOK_MIDNIGHT + timedelta(days=2) - SECOND)
    assert program_wide(BANGKOK_MIDNIGHT + timedelta(days=2))
