"""The SoR's changed memberships in a window: set-based, one read transaction, (since, until]."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor.sql import SqlSystemOfRecord
from tests.factories import NOW, sor_engine
from tests.sor_rows import (
    insert_bare_member,
    insert_membership_transaction,
    insert_offer,
    insert_reservation,
    touch_membership,
)

OLD = NOW - timedelta(days=30)
SINCE, UNTIL = NOW - timedelta(hours=1), NOW


@pytest.fixture
def engine(tmp_path) -> sa.Engine:
    engine = sor_engine(tmp_path)
    for n in range(1, 7):
        insert_bare_member(engine, f"SIAM-000000{n}", f"1000{n}", OLD)
    return engine


def test_each_feeding_table_names_its_membership_and_only_inside_the_window(engine):
    touch_membership(engine, "SIAM-0000001", NOW - timedelta(minutes=10))
    insert_reservation(engine, "R1", date(2026, 12, 1), NOW, number="SIAM-0000002")  # = until
    insert_membership_transaction(engine, "MT1", OLD, NOW - timedelta(minutes=59), "SIAM-0000003")
    insert_membership_transaction(engine, "MT2", OLD, SINCE, "SIAM-0000004")  # = since: out
    touch_membership(engine, "SIAM-0000005", NOW + timedelta(seconds=1))  # after until: out

    changes = SqlSystemOfRecord(engine).membership_changes("SIAM", since=SINCE, until=UNTIL)

    assert changes.membership_numbers == {"SIAM-0000001", "SIAM-0000002", "SIAM-0000003"}
    assert not changes.program_wide


def test_an_offer_change_is_a_program_wide_flag_not_a_list_of_members(engine):
    insert_offer(engine, "O1", date(2026, 1, 1), date(2027, 1, 1), NOW - timedelta(minutes=5))
    changes = SqlSystemOfRecord(engine).membership_changes("SIAM", since=SINCE, until=UNTIL)
    assert changes.program_wide
    assert changes.membership_numbers == frozenset()
    other = SqlSystemOfRecord(engine).membership_changes("OTHER", since=SINCE, until=UNTIL)
    assert not other.program_wide


def test_the_changes_are_read_in_one_transaction_with_one_statement_per_kind(engine):
    statements: list[str] = []
    sa.event.listen(
        engine, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0])
    )
    SqlSystemOfRecord(engine).membership_changes("SIAM", since=SINCE, until=UNTIL)
    assert statements == ["BEGIN", "SELECT", "SELECT"]  # one read transaction


def test_a_naive_window_is_refused(engine):
    with pytest.raises(ValueError, match="aware instants"):
        SqlSystemOfRecord(engine).membership_changes(
            "SIAM", since=SINCE.replace(tzinfo=None), until=UNTIL
        )


def test_a_campaign_change_is_program_wide_too(engine):
    from mosaic.adapters.sor import schema as t

    with engine.begin() as c:
        c.execute(
            sa.insert(t.dynamic_voucher_campaigns).values(
                id="C1",
                program="SIAM",
                title="Dinner",
                type="food",
                target="all",
                valid_from=date(2026, 11, 1),
                valid_to=date(2026, 12, 31),
                updated_at=NOW - timedelta(minutes=5),
            )
        )
    changes = SqlSystemOfRecord(engine).membership_changes("SIAM", since=SINCE, until=UNTIL)
    assert changes.program_wide
    later = SqlSystemOfRecord(engine).membership_changes(
        "SIAM", since=UNTIL, until=UNTIL + timedelta(hours=1)
    )
    assert not later.program_wide
