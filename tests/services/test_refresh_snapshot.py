"""One refresh reads the SoR in one read transaction (on every SoR database: the contract in
tests/contract/test_sor_health.py); on SQLite it leaves no lock behind; which errors are outages."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.adapters.sor.sql import SqlSystemOfRecord, is_outage
from tests.factories import NOW, insert_member, sor_engine

SINCE = NOW - timedelta(days=365)


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
