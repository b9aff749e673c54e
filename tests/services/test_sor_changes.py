"""The SoR's changed memberships in a window: set-based, one read transaction, (since, until]."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.adapters.sor.sql import SqlSystemOfRecord
from tests.factories import NOW, insert_member, sor_engine, sor_membership, sor_record
from tests.sor_rows import insert_membership_transaction, insert_offer, insert_reservation

OLD = NOW - timedelta(days=30)
SINCE, UNTIL = NOW - timedelta(hours=1), NOW


def _member(engine: sa.Engine, number: str, code: str) -> None:
    membership = sor_membership(
        membership_number=number, activation_code=code, card_number=None, updated_at=OLD
    )
    insert_member(
        engine, replace(sor_record(), membership=membership, static_vouchers=[], tracking=[])
    )


@pytest.fixture
def engine(tmp_path) -> sa.Engine:
    engine = sor_engine(tmp_path)
    for n in range(1, 7):
        _member(engine, f"SIAM-000000{n}", f"1000{n}")
    return engine


def _touch(engine: sa.Engine, number: str, updated_at) -> None:
    m = t.memberships.c
    with engine.begin() as c:
        c.execute(
            sa.update(t.memberships)
            .where(m.membership_number == number)
            .values(member_name="Changed", updated_at=updated_at)
        )


def test_each_feeding_table_names_its_membership_and_only_inside_the_window(engine):
    _touch(engine, "SIAM-0000001", NOW - timedelta(minutes=10))
    insert_reservation(engine, "R1", date(2026, 12, 1), NOW, number="SIAM-0000002")  # = until
    insert_membership_transaction(engine, "MT1", OLD, NOW - timedelta(minutes=59), "SIAM-0000003")
    insert_membership_transaction(engine, "MT2", OLD, SINCE, "SIAM-0000004")  # = since: out
    _touch(engine, "SIAM-0000005", NOW + timedelta(seconds=1))  # after until: out

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
