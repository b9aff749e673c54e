"""One read transaction in which every statement sees one state of the SoR, on each dialect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

SNAPSHOT_STATEMENTS = {
    "sqlite": "BEGIN",
    "postgresql": "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
    "oracle": "SET TRANSACTION READ ONLY",
}
"""The first statement of a read transaction, by dialect. READ COMMITTED (PostgreSQL's and
Oracle's default) takes a new snapshot per statement. PostgreSQL's REPEATABLE READ keeps the
first query's snapshot for the whole transaction; Oracle's READ ONLY transaction sees only what
was committed before it began. Both refuse writes, and both are set per transaction, so nothing
lingers on a pooled connection. pysqlite opens a transaction before a write only, so BEGIN makes
the reads one transaction: one snapshot (WAL) or one shared lock held to its end (rollback
journal). Another dialect keeps its default isolation."""


@contextmanager
def read_snapshot(connection: sa.Connection) -> Iterator[sa.Connection]:
    """`connection` in one read transaction, rolled back at the end: nothing is written."""
    transaction = connection.begin()
    try:
        statement = SNAPSHOT_STATEMENTS.get(connection.dialect.name)
        if statement is not None:
            connection.exec_driver_sql(statement)
        yield connection
    finally:
        transaction.rollback()
