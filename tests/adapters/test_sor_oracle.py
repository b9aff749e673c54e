"""The SoR on Oracle, where no Oracle server runs: the DDL and every statement the port and the
demo issue, compiled by SQLAlchemy's Oracle dialect as it sets itself up for a server of each
version; the read snapshot's statement; python-oracledb (thin mode) on a closed port."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import oracle
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.sql import ClauseElement

from mosaic.adapters.sor import schema as t
from mosaic.adapters.sor.redemptions import redemption
from mosaic.adapters.sor.snapshot import read_snapshot
from mosaic.adapters.sor.sql import SqlSystemOfRecord
from mosaic.adapters.sor.types import server_now
from mosaic.bootstrap import sor_engine
from mosaic.demo.seed import is_seeded, seed_demo
from mosaic.demo.show import demo_sample
from mosaic.ports.sor import SorUnavailable
from mosaic.settings import Settings
from tests.factories import NOW, insert_member
from tests.factories import sor_engine as sqlite_sor_engine
from tests.servers import free_port

VERSIONS = [(11, 2), (19, 0), (23, 4)]
"""11g (30-character names, ROWNUM paging), 19c (FETCH FIRST), 23ai (a BOOLEAN type)."""
RESERVED_WORDS = """
ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN
COLUMN_VALUE COMMENT COMPRESS CONNECT CREATE CURRENT DATE DECIMAL DEFAULT DELETE
DESC DISTINCT DROP ELSE EXCLUSIVE EXISTS FILE FLOAT FOR FROM GRANT GROUP HAVING
IDENTIFIED IMMEDIATE IN INCREMENT INDEX INITIAL INSERT INTEGER INTERSECT INTO IS
LEVEL LIKE LOCK LONG MAXEXTENTS MINUS MLSLABEL MODE MODIFY NESTED_TABLE_ID NOAUDIT
NOCOMPRESS NOT NOWAIT NULL NUMBER OF OFFLINE ON ONLINE OPTION OR ORDER PCTFREE PRIOR
PUBLIC RAW RENAME RESOURCE REVOKE ROW ROWID ROWNUM ROWS SELECT SESSION SET SHARE
SIZE SMALLINT START SUCCESSFUL SYNONYM SYSDATE TABLE THEN TO TRIGGER UID UNION
UNIQUE UPDATE USER VALIDATE VALUES VARCHAR VARCHAR2 VIEW WHENEVER WHERE WITH
"""
"""Oracle's reserved words (SQL Language Reference, appendix D): not to be an identifier."""
RESERVED = set(RESERVED_WORDS.split())
NOT_ORACLE = re.compile(r"\b(LIMIT|OFFSET|STRFTIME|JULIANDAY|TRUE|FALSE)\b|timezone\(", re.I)


def oracle_dialect(version: tuple[int, int]) -> Dialect:
    """The Oracle dialect as it sets itself up on connecting to a server of `version`."""
    dialect = oracle.dialect()
    dialect.server_version_info = version
    dialect.supports_native_boolean = version >= (23,)
    dialect._supports_offset_fetch = version >= (12,)
    dialect.max_identifier_length = 128 if version >= (12, 2) else 30
    return dialect


def _names(table: sa.Table) -> list[str]:
    named = [c.name for c in table.constraints if isinstance(c.name, str)]
    return [table.name, *table.columns.keys(), *(str(i.name) for i in table.indexes), *named]


def test_every_name_is_30_characters_at_most_and_no_reserved_word() -> None:
    for table in t.metadata.sorted_tables:
        for name in _names(table):
            assert len(name) <= 30, f"{table.name}: {name} is too long for Oracle before 12.2"
            assert name.upper() not in RESERVED, f"{table.name}: {name} is reserved in Oracle"


@pytest.mark.parametrize("version", VERSIONS)
def test_every_table_and_index_compiles_for_oracle(version: tuple[int, int]) -> None:
    dialect = oracle_dialect(version)
    for table in t.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert " DATETIME" not in ddl, ddl
        for index in table.indexes:
            assert str(CreateIndex(index).compile(dialect=dialect)).startswith("CREATE INDEX")


@pytest.mark.parametrize(
    ("column", "version", "oracle_type"),
    [
        (t.memberships.c.updated_at, (19, 0), "TIMESTAMP"),  # UTC; DATE would drop the fraction
        (t.memberships.c.starts_on, (19, 0), "DATE"),
        (t.tracking_transactions.c.amount, (19, 0), "NUMERIC(14, 2)"),  # = NUMBER(14, 2)
        (t.hotels.c.in_network, (19, 0), "SMALLINT"),
        (t.hotels.c.in_network, (23, 4), "BOOLEAN"),
        (t.memberships.c.member_name, (19, 0), "VARCHAR2(120 CHAR)"),
        (t.reservations.c.nights, (19, 0), "INTEGER"),
    ],
)
def test_oracle_column_types(
    column: sa.Column[Any], version: tuple[int, int], oracle_type: str
) -> None:
    ddl = str(CreateTable(column.table).compile(dialect=oracle_dialect(version)))
    assert f"\t{column.name} {oracle_type}" in ddl


def _statements_of(engine: sa.Engine, work: Any) -> list[ClauseElement]:
    """Every SQLAlchemy statement `work` executes (on SQLite), to compile for Oracle."""
    found: list[ClauseElement] = []

    def keep(connection: Any, clause: Any, *args: Any) -> None:
        if isinstance(clause, ClauseElement):
            found.append(clause)

    sa.event.listen(engine, "before_execute", keep)
    work()
    sa.event.remove(engine, "before_execute", keep)
    return found


def _port_reads(tmp_path: Path) -> list[ClauseElement]:
    engine = sqlite_sor_engine(tmp_path)
    insert_member(engine)
    sor = SqlSystemOfRecord(engine)
    since = NOW - timedelta(days=365)

    def every_read() -> None:
        sor.find_membership_number("SIAM", "12345")
        sor.program("SIAM")
        sor.program_codes()
        sor.membership_record("SIAM", "SIAM-0000001", history_since=since)
        sor.membership_changes("SIAM", since=since, until=NOW)
        sor.memberships_started(first=date(2026, 1, 1), last=date(2026, 12, 31))
        sor.program_catalog("SIAM", today=NOW.date())
        sor.program_statistics("SIAM", since=since.date())
        sor.callers("SIAM")
        sor.static_voucher("SIAM", "54321")
        sor.redeem_static_voucher(
            "SIAM", "54321", request_id="req-1", hotel="SIAM-H01", outlet=None, at=NOW
        )
        sor.redeem_static_voucher(  # applied before: the duplicate key, then the look-up
            "SIAM", "54321", request_id="req-1", hotel="SIAM-H01", outlet=None, at=NOW
        )
        sor.unredeem_static_voucher("SIAM", "54321", request_id="undo-1", at=NOW)
        sor.probe()

    return _statements_of(engine, every_read)


def _demo(tmp_path: Path) -> list[ClauseElement]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}")

    def seed_and_show() -> None:
        seed_demo(engine, members=12, seed=3, today=date(2025, 3, 15))
        assert is_seeded(engine)
        demo_sample(engine, seed=3, per_program=2)

    return _statements_of(engine, seed_and_show)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("issued_by", [_port_reads, _demo])
def test_every_statement_compiles_for_oracle_without_another_dialects_sql(
    tmp_path: Path, version: tuple[int, int], issued_by: Any
) -> None:
    statements = issued_by(tmp_path)
    assert len(statements) > 10
    for statement in statements:
        sql = str(statement.compile(dialect=oracle_dialect(version)))
        assert not NOT_ORACLE.search(sql), sql
        if version < (12,):
            assert "FETCH FIRST" not in sql, sql


def test_the_port_reads_include_the_updates_deletions_and_days_begun(tmp_path: Path) -> None:
    sql = [str(s.compile(dialect=oracle_dialect((19, 0)))) for s in _port_reads(tmp_path)]
    assert any("FROM sor_deletions" in statement for statement in sql)
    assert any("dynamic_voucher_campaigns.valid_from >=" in statement for statement in sql)


def test_the_port_writes_record_the_request_and_update_the_voucher_on_a_condition(
    tmp_path: Path,
) -> None:
    sql = [str(s.compile(dialect=oracle_dialect((19, 0)))) for s in _port_reads(tmp_path)]
    assert any(s.startswith("INSERT INTO applied_requests") for s in sql)
    conditional = [s for s in sql if s.startswith("UPDATE static_vouchers")]
    assert len(conditional) == 2
    assert all("static_vouchers.status = :status_1" in s for s in conditional)


def test_an_oracle_sors_clock_is_read_and_written_in_utc_digits() -> None:
    """What now() asks an Oracle SoR, and what a write stamps `updated_at` with there:
    CURRENT_TIMESTAMP is in the session's zone, whose offset TIMESTAMP and python-oracledb
    both drop, so the SoR's clock is SYS_EXTRACT_UTC of it, as its instants are stored."""
    dialect = oracle_dialect((19, 0))
    now = server_now(dialect)
    assert str(sa.select(now).compile(dialect=dialect)) == (
        "SELECT sys_extract_utc(CURRENT_TIMESTAMP) AS sys_extract_utc_1 FROM DUAL"
    )
    stamped = str(redemption("SIAM", "54321", "SIAM-H01", None, NOW, now).compile(dialect=dialect))
    assert "updated_at=sys_extract_utc(CURRENT_TIMESTAMP)" in stamped


def test_a_query_without_a_table_selects_from_dual() -> None:
    from mosaic.adapters.sor.changes import PROGRAM_WIDE_TABLES

    table = PROGRAM_WIDE_TABLES[0]
    exists = sa.select(sa.literal(1)).where(sa.exists().where(table.c.program == "SIAM"))
    assert "FROM DUAL" in str(exists.compile(dialect=oracle_dialect((19, 0))))


class _OracleConnection:
    """The part of a connection read_snapshot uses, on the Oracle dialect, recording."""

    dialect = oracle_dialect((19, 0))

    def __init__(self) -> None:
        self.done: list[str] = []

    def begin(self) -> _OracleConnection:
        return self

    def exec_driver_sql(self, statement: str) -> None:
        self.done.append(statement)

    def rollback(self) -> None:
        self.done.append("ROLLBACK")


def test_an_oracle_read_is_a_read_only_transaction_rolled_back_at_the_end() -> None:
    """READ ONLY: every query sees what was committed before the transaction began, writes
    are refused, and nothing is left on the pooled session (no ALTER SESSION)."""
    connection = _OracleConnection()
    with read_snapshot(cast(sa.Connection, connection)):
        connection.done.append("SELECT")
    assert connection.done == ["SET TRANSACTION READ ONLY", "SELECT", "ROLLBACK"]


def test_an_oracle_sor_on_a_closed_port_is_unavailable_under_the_probe_timeout() -> None:
    url = f"oracle+oracledb://mosaic:secret@127.0.0.1:{free_port()}/?service_name=SOR"
    engine = sor_engine(Settings(sor_url=url, sor_probe_timeout_seconds=3))
    asked: dict[str, Any] = {}
    sa.event.listen(engine, "do_connect", lambda dialect, record, args, kw: asked.update(kw))
    with pytest.raises(SorUnavailable, match="DPY-6005"):
        SqlSystemOfRecord(engine).probe()
    assert asked["tcp_connect_timeout"] == 3
