"""One refresh reads the SoR in one read transaction: its queries see one state."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.adapters.sor.sql import SorQueryFailed, SqlSystemOfRecord, is_outage
from mosaic.ports.sor import SorUnavailable
from tests.factories import NOW, insert_member, sor_engine

SINCE = NOW - timedelta(days=365)


def test_a_membership_record_is_read_on_one_connection(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    checkouts = []
    sa.event.listen(engine, "engine_connect", lambda connection: checkouts.append(connection))
    record = SqlSystemOfRecord(engine).membership_record(
        "SIAM", "SIAM-0000001", history_since=SINCE
    )
    assert record is not None
    assert [v.code for v in record.static_vouchers] == ["54321"]
    assert len(checkouts) == 1


def test_a_write_between_the_queries_of_one_read_is_not_seen(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA journal_mode=WAL")  # readers keep a snapshot, writers go on
    writer = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    written: list[bool] = []

    def write_meanwhile(conn, cursor, statement, parameters, context, executemany):
        if "FROM static_vouchers" in statement and not written:
            with writer.begin() as w:
                w.execute(sa.update(t.memberships).values(member_name="Changed", updated_at=NOW))
                w.execute(sa.update(t.static_vouchers).values(status="cancelled", updated_at=NOW))
            written.append(True)

    sa.event.listen(engine, "before_cursor_execute", write_meanwhile)
    sor = SqlSystemOfRecord(engine)
    record = sor.membership_record("SIAM", "SIAM-0000001", history_since=SINCE)
    assert written
    assert record is not None
    assert record.membership.member_name == "Ploy Srisuk"
    assert [v.status for v in record.static_vouchers] == ["available"]  # as of the first read
    sa.event.remove(engine, "before_cursor_execute", write_meanwhile)
    again = sor.membership_record("SIAM", "SIAM-0000001", history_since=SINCE)
    assert again is not None
    assert [v.status for v in again.static_vouchers] == ["cancelled"]


def test_the_read_transaction_writes_nothing_and_leaves_no_lock(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    SqlSystemOfRecord(engine).membership_record("SIAM", "SIAM-0000001", history_since=SINCE)
    other = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}", connect_args={"timeout": 0})
    with other.begin() as c:  # would fail at once with "database is locked" if a read were open
        c.execute(sa.update(t.memberships).values(member_name="Free"))


def _dbapi_error(kind: type[sa.exc.DBAPIError], *, invalidated: bool = False) -> sa.exc.DBAPIError:
    return kind("SELECT 1", {}, Exception("driver says no"), connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (_dbapi_error(sa.exc.OperationalError), True),
        (sa.exc.DisconnectionError("gone"), True),
        (sa.exc.TimeoutError("pool timed out"), True),
        (_dbapi_error(sa.exc.DatabaseError, invalidated=True), True),
        (_dbapi_error(sa.exc.IntegrityError), False),
        (_dbapi_error(sa.exc.ProgrammingError), False),
        (_dbapi_error(sa.exc.DataError), False),
    ],
)
def test_only_connection_and_timeout_errors_are_an_outage(error, outage):
    assert is_outage(error) is outage


def test_a_query_the_sor_refuses_is_not_reported_as_an_outage(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    sor = SqlSystemOfRecord(engine)
    with pytest.raises(SorQueryFailed):  # a value the driver cannot bind: a bug, not an outage
        sor.membership_record("SIAM", object(), history_since=SINCE)  # type: ignore[arg-type]


def test_a_sor_that_cannot_be_opened_is_unavailable(tmp_path):
    (tmp_path / "sor.sqlite").mkdir()
    sor = SqlSystemOfRecord(sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}"))
    with pytest.raises(SorUnavailable):
        sor.membership_record("SIAM", "SIAM-0000001", history_since=SINCE)
