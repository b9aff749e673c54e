"""The SoR port's failures and reads: down is SorUnavailable, a statement the SoR refuses is
SorQueryFailed, and one read sees one state of the SoR, on every kind of SoR database."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from mosaic.adapters.sor import schema as t
from mosaic.adapters.sor.snapshot import SNAPSHOT_STATEMENTS
from mosaic.adapters.sor.sql import SorQueryFailed
from mosaic.ports.sor import SorUnavailable, SystemOfRecord
from tests.factories import NOW, insert_member, insert_program

SINCE = NOW - timedelta(days=365)
EVERY_READ: dict[str, Callable[[SystemOfRecord], Any]] = {
    "find_membership_number": lambda sor: sor.find_membership_number("SIAM", "12345"),
    "program": lambda sor: sor.program("SIAM"),
    "membership_record": lambda sor: sor.membership_record(
        "SIAM", "SIAM-0000001", history_since=SINCE
    ),
    "program_codes": lambda sor: sor.program_codes(),
    "membership_changes": lambda sor: sor.membership_changes("SIAM", since=SINCE, until=NOW),
    "memberships_started": lambda sor: sor.memberships_started(
        first=date(2026, 1, 1), last=date(2026, 12, 31)
    ),
    "program_catalog": lambda sor: sor.program_catalog("SIAM", today=NOW.date()),
    "program_statistics": lambda sor: sor.program_statistics("SIAM", since=date(2026, 1, 1)),
    "callers": lambda sor: sor.callers("SIAM"),
    "static_voucher": lambda sor: sor.static_voucher("SIAM", "54321"),
    "probe": lambda sor: sor.probe(),
}


@pytest.fixture
def member(sor_database: sa.Engine) -> sa.Engine:
    insert_program(sor_database)
    insert_member(sor_database)
    return sor_database


def test_a_reachable_sor_answers_the_probe(member: sa.Engine, sor: SystemOfRecord) -> None:
    sor.probe()


def test_every_read_of_an_unreachable_sor_is_unavailable_at_once(
    unreachable_sor: SystemOfRecord,
) -> None:
    for name, read in EVERY_READ.items():
        started = time.monotonic()
        with pytest.raises(SorUnavailable):
            read(unreachable_sor)
        assert time.monotonic() - started < 3, name  # refused, not waited for (5 s)


def test_a_table_missing_from_the_sor_fails_the_query_and_is_no_outage(
    member: sa.Engine, sor: SystemOfRecord
) -> None:
    """Retrying soon does not bring a table back: SorQueryFailed, on every dialect (sqlite3
    reports it as an OperationalError, the error class of its outages too)."""
    t.offers.drop(member)
    with pytest.raises(SorQueryFailed, match="offers"):
        sor.program_catalog("SIAM", today=NOW.date())
    with pytest.raises(SorQueryFailed):
        sor.membership_changes("SIAM", since=SINCE, until=NOW)
    assert sor.program_codes() == ["SIAM"]  # the rest of the SoR still answers


def test_a_value_the_driver_cannot_bind_fails_the_query_and_is_no_outage(
    member: sa.Engine, sor: SystemOfRecord
) -> None:
    with pytest.raises(SorQueryFailed):
        sor.find_membership_number("SIAM", object())  # type: ignore[arg-type]


def test_a_write_between_the_queries_of_one_read_is_not_seen(
    member: sa.Engine, sor: SystemOfRecord
) -> None:
    writer = sa.create_engine(member.url, poolclass=NullPool)  # another client of the SoR
    written: list[bool] = []

    def write_meanwhile(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM static_vouchers" in statement and not written:
            with writer.begin() as w:
                w.execute(sa.update(t.memberships).values(member_name="Changed", updated_at=NOW))
                w.execute(sa.update(t.static_vouchers).values(status="cancelled", updated_at=NOW))
            written.append(True)

    sa.event.listen(member, "before_cursor_execute", write_meanwhile)
    record = sor.membership_record("SIAM", "SIAM-0000001", history_since=SINCE)
    sa.event.remove(member, "before_cursor_execute", write_meanwhile)

    assert written
    assert record is not None
    assert record.membership.member_name == "Ploy Srisuk"
    assert [v.status for v in record.static_vouchers] == ["available"]  # as of the first read
    again = sor.membership_record("SIAM", "SIAM-0000001", history_since=SINCE)
    assert again is not None
    assert (again.membership.member_name, again.static_vouchers[0].status) == (
        "Changed",
        "cancelled",
    )


@pytest.mark.parametrize(
    "read", ["membership_record", "membership_changes", "program_catalog", "program_statistics"]
)
def test_a_read_is_one_transaction_opened_for_a_snapshot_on_one_connection(
    member: sa.Engine, sor: SystemOfRecord, read: str
) -> None:
    statements: list[str] = []
    connections: list[object] = []
    sa.event.listen(member, "before_cursor_execute", lambda *a: statements.append(a[2]))
    sa.event.listen(member, "engine_connect", connections.append)

    EVERY_READ[read](sor)

    assert len(connections) == 1
    assert statements[0] == SNAPSHOT_STATEMENTS[member.dialect.name]
    assert {s.split()[0] for s in statements[1:]} == {"SELECT"}
