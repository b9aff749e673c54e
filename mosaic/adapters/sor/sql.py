"""The SoR port over SQLAlchemy Core: any URL (sqlite, postgresql, oracle+oracledb)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from mosaic.adapters.clock import SystemClock
from mosaic.adapters.sor import changes, programs, redemptions
from mosaic.adapters.sor import schema as t
from mosaic.adapters.sor.links import read_callers
from mosaic.adapters.sor.membership_record import read_membership_record, utc
from mosaic.adapters.sor.redemptions import AppliedRequest, SorNow
from mosaic.adapters.sor.snapshot import read_snapshot
from mosaic.adapters.sor.types import server_now
from mosaic.domain.program_records import SorCaller, SorProgramCatalog, SorProgramStatistics
from mosaic.domain.records import SorMembershipRecord, SorProgram, SorVoucherHolding
from mosaic.ports.clock import Clock
from mosaic.ports.sor import RedeemOutcome, SorChanges, SorRequestKind, SorUnavailable

R = TypeVar("R")


class SqlSystemOfRecord:
    def __init__(self, engine: sa.Engine, *, file_clock: Clock | None = None) -> None:
        """`file_clock` is the clock of a SoR in a SQLite file, which has none of its own
        but this machine's (tests pass a fixed one)."""
        self._engine = engine
        self._file_clock = file_clock or SystemClock()

    def now(self) -> datetime:
        """The SoR's own clock, in which its rows' `updated_at` are stamped."""
        if self._engine.dialect.name == "sqlite":
            return self._file_clock.now()
        with _answers(), self._engine.connect() as connection:
            value = connection.execute(sa.select(server_now(self._engine.dialect))).scalar_one()
        return utc(value)

    def _now_in_sql(self) -> SorNow:
        """The SoR's clock for a write: the server's own, in the statement; a SQLite file's."""
        if self._engine.dialect.name == "sqlite":
            return self._file_clock.now()
        return server_now(self._engine.dialect)

    def _rows(self, query: sa.Select[Any]) -> Sequence[sa.Row[Any]]:
        with _answers(), self._engine.connect() as connection:
            return connection.execute(query).all()

    @contextmanager
    def _snapshot(self) -> Iterator[sa.Connection]:
        """One connection in one read transaction: every query of one refresh sees one state
        of the SoR (snapshot.SNAPSHOT_STATEMENTS). Rolled back at the end: nothing is written."""
        with _answers(), self._engine.connect() as connection, read_snapshot(connection):
            yield connection

    def find_membership_number(self, program: str, activation_code: str) -> str | None:
        m = t.memberships.c
        rows = self._rows(
            sa.select(m.membership_number).where(
                m.program == program, m.activation_code == activation_code
            )
        )
        return str(rows[0][0]) if rows else None

    def program(self, code: str) -> SorProgram | None:
        pr = t.programs.c
        rows = self._rows(sa.select(pr.name, pr.currency, pr.timezone).where(pr.code == code))
        return SorProgram(code, rows[0].name, rows[0].currency, rows[0].timezone) if rows else None

    def membership_record(
        self, program: str, membership_number: str, *, history_since: datetime
    ) -> SorMembershipRecord | None:
        with self._snapshot() as connection:
            return read_membership_record(connection, program, membership_number, history_since)

    def program_codes(self) -> list[str]:
        return [str(row[0]) for row in self._rows(sa.select(t.programs.c.code).order_by("code"))]

    def program_catalog(self, program: str, *, today: date) -> SorProgramCatalog | None:
        return self._read(lambda connection: programs.read_catalog(connection, program, today))

    def program_statistics(self, program: str, *, since: date) -> SorProgramStatistics:
        return self._read(lambda connection: programs.read_statistics(connection, program, since))

    def membership_changes(self, program: str, *, since: datetime, until: datetime) -> SorChanges:
        return self._read(
            lambda connection: changes.read_changes(connection, program, since, until)
        )

    def memberships_started(self, *, first: date, last: date) -> dict[str, list[str]]:
        return self._read(lambda connection: changes.read_started(connection, first, last))

    def callers(self, program: str) -> list[SorCaller]:
        return self._read(lambda connection: read_callers(connection, program))

    def static_voucher(self, program: str, code: str) -> SorVoucherHolding | None:
        with _answers(), self._engine.connect() as connection:
            return redemptions.read_voucher(connection, program, code)

    def redeem_static_voucher(
        self,
        program: str,
        code: str,
        *,
        request_id: str,
        hotel: str,
        outlet: str | None,
        at: datetime,
    ) -> RedeemOutcome:
        kind = SorRequestKind.REDEEM_STATIC_VOUCHER
        now = self._now_in_sql()
        change = redemptions.redemption(program, code, hotel, outlet, at, now)
        return self._apply_once(AppliedRequest(request_id, program, kind, at), change, now)

    def unredeem_static_voucher(
        self, program: str, code: str, *, request_id: str, at: datetime
    ) -> RedeemOutcome:
        kind = SorRequestKind.UNREDEEM_STATIC_VOUCHER
        now = self._now_in_sql()
        change = redemptions.unredemption(program, code, now)
        return self._apply_once(AppliedRequest(request_id, program, kind, at), change, now)

    def _apply_once(self, request: AppliedRequest, change: sa.Update, now: SorNow) -> RedeemOutcome:
        with _answers():
            return redemptions.apply_once(self._engine, request, change, now)

    def _read(self, work: Callable[[sa.Connection], R]) -> R:
        """`work` on one connection, in one read transaction: one state of the SoR."""
        with self._snapshot() as connection:
            return work(connection)

    def probe(self) -> None:
        with _answers(), self._engine.connect() as connection:
            connection.execute(sa.select(sa.func.count()).select_from(t.programs)).scalar()


class SorQueryFailed(Exception):
    """The SoR answered with an error that is not an outage (a constraint, a statement or a
    row it cannot take): retrying soon does not help, so it is not SorUnavailable."""


def is_outage(error: SQLAlchemyError) -> bool:
    """A connection or timeout error: the SoR is down, unreachable or too slow. The driver
    classifies, except that sqlite3 reports a statement it refuses (a missing table or column,
    a syntax error: SQLITE_ERROR) as an OperationalError too, where the others do not."""
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    if getattr(getattr(error, "orig", None), "sqlite_errorname", None) == "SQLITE_ERROR":
        return False
    return isinstance(
        error, (sa.exc.OperationalError, sa.exc.DisconnectionError, sa.exc.TimeoutError)
    )


@contextmanager
def _answers() -> Iterator[None]:
    """SorUnavailable for an outage, SorQueryFailed for any other SoR error."""
    try:
        yield
    except SQLAlchemyError as error:
        if is_outage(error):
            raise SorUnavailable(str(error)) from error
        raise SorQueryFailed(str(error)) from error
