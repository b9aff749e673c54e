"""Which memberships' SoR rows changed in a window, which memberships started in a period: the
hourly update's and the import's questions, on every kind of SoR database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from mosaic.ports.sor import SystemOfRecord
from tests.factories import NOW, insert_member, insert_program, sor_record, static_voucher
from tests.sor_rows import (
    insert_bare_member,
    insert_campaign,
    insert_membership_transaction,
    insert_offer,
    insert_reservation,
    insert_tracking,
    redeem_voucher,
    touch_membership,
)

OLD = NOW - timedelta(days=30)
SINCE, UNTIL = NOW - timedelta(hours=1), NOW
INSIDE = NOW - timedelta(minutes=10)


@pytest.fixture
def six_members(sor_database: sa.Engine) -> sa.Engine:
    """SIAM-0000001 with a voucher (54321), and five more without: all unchanged since OLD."""
    insert_program(sor_database)
    insert_program(sor_database, "LUMA", "Luma Rewards", "Asia/Dubai", "AED")
    voucher = static_voucher("54321", updated_at=OLD)
    insert_member(sor_database, replace(sor_record(), static_vouchers=[voucher], tracking=[]))
    for n in range(2, 7):
        insert_bare_member(sor_database, f"SIAM-000000{n}", f"1000{n}", OLD)
    return sor_database


def test_each_membership_table_names_its_membership_inside_the_window_only(
    six_members: sa.Engine, sor: SystemOfRecord
) -> None:
    touch_membership(six_members, "SIAM-0000001", INSIDE)
    insert_reservation(six_members, "R1", date(2026, 12, 1), UNTIL, number="SIAM-0000002")
    insert_membership_transaction(
        six_members, "MT1", OLD, SINCE + timedelta(seconds=1), "SIAM-0000003"
    )
    insert_tracking(six_members, "T1", OLD, updated_at=INSIDE, number="SIAM-0000004")
    insert_membership_transaction(six_members, "MT2", OLD, SINCE, "SIAM-0000005")  # = since: out
    touch_membership(six_members, "SIAM-0000006", UNTIL + timedelta(microseconds=1))  # after

    changes = sor.membership_changes("SIAM", since=SINCE, until=UNTIL)

    assert changes.membership_numbers == {
        "SIAM-0000001",
        "SIAM-0000002",
        "SIAM-0000003",
        "SIAM-0000004",
    }
    assert not changes.program_wide


def test_a_voucher_change_names_its_membership(six_members: sa.Engine, sor: SystemOfRecord) -> None:
    redeem_voucher(six_members, "54321", INSIDE, "SIAM-H01")
    changes = sor.membership_changes("SIAM", since=SINCE, until=UNTIL)
    assert changes.membership_numbers == {"SIAM-0000001"}


def test_the_window_means_the_same_instants_in_any_timezone(
    six_members: sa.Engine, sor: SystemOfRecord
) -> None:
    touch_membership(six_members, "SIAM-0000001", INSIDE)
    dubai = ZoneInfo("Asia/Dubai")
    changes = sor.membership_changes(
        "SIAM", since=SINCE.astimezone(dubai), until=UNTIL.astimezone(dubai)
    )
    assert changes.membership_numbers == {"SIAM-0000001"}


def test_another_programs_changes_are_not_named(
    six_members: sa.Engine, sor: SystemOfRecord
) -> None:
    touch_membership(six_members, "SIAM-0000001", INSIDE)
    assert sor.membership_changes("LUMA", since=SINCE, until=UNTIL).membership_numbers == set()


@pytest.mark.parametrize("table", ["offers", "dynamic_voucher_campaigns"])
def test_an_offer_or_campaign_change_is_a_program_wide_flag_not_a_list_of_members(
    six_members: sa.Engine, sor: SystemOfRecord, table: str
) -> None:
    if table == "offers":
        insert_offer(six_members, "O1", date(2026, 1, 1), date(2027, 1, 1), INSIDE)
    else:
        insert_campaign(six_members, "C1", date(2026, 11, 1), date(2026, 12, 31), INSIDE)

    assert_program_wide_in_siam_inside_the_window_only(sor)


def assert_program_wide_in_siam_inside_the_window_only(sor: SystemOfRecord) -> None:
    """A program-wide change of SIAM in `(SINCE, UNTIL]`, naming no membership, and none of
    LUMA nor after the window."""
    changes = sor.membership_changes("SIAM", since=SINCE, until=UNTIL)
    assert changes.program_wide
    assert changes.membership_numbers == frozenset()
    assert not sor.membership_changes("LUMA", since=SINCE, until=UNTIL).program_wide
    later = sor.membership_changes("SIAM", since=UNTIL, until=UNTIL + timedelta(hours=1))
    assert not later.program_wide


def test_a_naive_window_is_refused(six_members: sa.Engine, sor: SystemOfRecord) -> None:
    with pytest.raises(ValueError, match="aware instants"):
        sor.membership_changes("SIAM", since=SINCE.replace(tzinfo=None), until=UNTIL)


def test_memberships_started_in_a_period_by_program_in_number_order(
    sor_database: sa.Engine, sor: SystemOfRecord
) -> None:
    insert_program(sor_database)
    insert_program(sor_database, "LUMA", "Luma Rewards", "Asia/Dubai", "AED")
    starts = {
        "SIAM-0000003": ("SIAM", date(2026, 3, 1)),  # the first day: in
        "SIAM-0000001": ("SIAM", date(2026, 3, 31)),  # the last day: in
        "SIAM-0000002": ("SIAM", date(2026, 4, 1)),  # the day after: out
        "SIAM-0000004": ("SIAM", date(2026, 2, 28)),  # the day before: out
        "LUMA-0000001": ("LUMA", date(2026, 3, 15)),
    }
    for n, (number, (program, starts_on)) in enumerate(starts.items()):
        insert_bare_member(
            sor_database,
            number,
            f"2000{n}",
            OLD,
            program=program,
            package_code=f"{program}-GOLD",
            starts_on=starts_on,
        )

    started = sor.memberships_started(first=date(2026, 3, 1), last=date(2026, 3, 31))

    assert started == {"LUMA": ["LUMA-0000001"], "SIAM": ["SIAM-0000001", "SIAM-0000003"]}
    assert sor.memberships_started(first=date(2025, 1, 1), last=date(2025, 12, 31)) == {}
