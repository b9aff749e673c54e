"""The SoR port over SQLAlchemy Core: any URL (sqlite, postgresql, oracle+oracledb)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from mosaic.adapters.clock import SystemClock
from mosaic.adapters.sor import changes, programs
from mosaic.adapters.sor import schema as t
from mosaic.adapters.sor.links import (
    OfferPackages,
    read_devices,
    read_offer_packages,
    read_voucher_campaigns,
)
from mosaic.adapters.sor.snapshot import read_snapshot
from mosaic.domain.program_records import SorProgramCatalog, SorProgramStatistics
from mosaic.domain.records import (
    SorMembership,
    SorMembershipRecord,
    SorMembershipTransaction,
    SorOffer,
    SorProgram,
    SorReservation,
    SorStaticVoucher,
    SorTracking,
)
from mosaic.ports.clock import Clock
from mosaic.ports.sor import SorChanges, SorUnavailable

CENT = Decimal("0.01")
R = TypeVar("R")


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; the SoR stores UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _money(value: Any) -> Decimal:
    return Decimal(value).quantize(CENT)


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
            value = connection.execute(sa.select(sa.func.current_timestamp())).scalar_one()
        return _utc(value)

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
            return _membership_record(connection, program, membership_number, history_since)

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


def _membership_record(
    connection: sa.Connection, program: str, membership_number: str, history_since: datetime
) -> SorMembershipRecord | None:
    m, p, pr = t.memberships.c, t.packages.c, t.programs.c
    found = connection.execute(
        sa.select(
            t.memberships,
            p.name.label("package_name"),
            pr.name.label("program_name"),
            pr.currency,
            pr.timezone,
        )
        .join(t.packages, p.code == m.package)
        .join(t.programs, pr.code == m.program)
        .where(m.program == program, m.membership_number == membership_number)
    ).all()
    if not found:
        return None
    row = found[0]._mapping
    return SorMembershipRecord(
        program=SorProgram(program, row["program_name"], row["currency"], row["timezone"]),
        membership=_membership(row),
        static_vouchers=_static_vouchers(connection, program, membership_number),
        tracking=_tracking(connection, membership_number, history_since),
        reservations=_reservations(connection, membership_number, history_since.date()),
        membership_transactions=_membership_transactions(connection, membership_number),
        offers=_offers(connection, program, history_since.date()),
        campaigns=read_voucher_campaigns(connection, program, history_since.date()),
        devices=read_devices(connection, program, membership_number),
    )


def _static_vouchers(
    connection: sa.Connection, program: str, number: str
) -> list[SorStaticVoucher]:
    v = t.static_vouchers.c
    query = sa.select(t.static_vouchers).where(v.program == program, v.membership_number == number)
    return [
        SorStaticVoucher(
            code=r.code,
            type=r.type,
            hotel=r.hotel,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            status=r.status,
            updated_at=_utc(r.updated_at),
        )
        for r in connection.execute(query.order_by(v.code))
    ]


def _tracking(connection: sa.Connection, number: str, since: datetime) -> list[SorTracking]:
    c = t.tracking_transactions.c
    query = sa.select(t.tracking_transactions).where(
        c.membership_number == number, c.at >= since.astimezone(UTC)
    )
    return [
        SorTracking(
            r.id, r.hotel, r.outlet, _money(r.amount), r.currency, _utc(r.at), _utc(r.updated_at)
        )
        for r in connection.execute(query.order_by(c.at, c.id))
    ]


def _reservations(connection: sa.Connection, number: str, since: date) -> list[SorReservation]:
    c = t.reservations.c
    query = sa.select(t.reservations).where(c.membership_number == number, c.check_in >= since)
    return [
        SorReservation(
            r.id,
            r.hotel,
            r.check_in,
            r.nights,
            _money(r.amount),
            r.currency,
            r.status,
            _utc(r.booked_at),
            _utc(r.updated_at),
        )
        for r in connection.execute(query.order_by(c.check_in, c.id))
    ]


def _membership_transactions(
    connection: sa.Connection, number: str
) -> list[SorMembershipTransaction]:
    c = t.membership_transactions.c
    query = sa.select(t.membership_transactions).where(c.membership_number == number)
    return [
        SorMembershipTransaction(
            r.id, r.kind, _money(r.amount), r.currency, _utc(r.at), _utc(r.updated_at)
        )
        for r in connection.execute(query.order_by(c.at, c.id))
    ]


def _offers(connection: sa.Connection, program: str, since: date) -> list[SorOffer]:
    c = t.offers.c
    query = sa.select(t.offers).where(c.program == program, c.valid_to >= since)
    rows = connection.execute(query.order_by(c.code)).all()
    packages = read_offer_packages(connection, program, (r.code for r in rows))
    return [_offer(r, packages.get(r.code)) for r in rows]


def _offer(row: sa.Row[Any], linked: OfferPackages | None) -> SorOffer:
    """An offer, changed when its row or one of its package links was."""
    updated_at, packages = _utc(row.updated_at), frozenset[str]()
    if linked is not None:
        updated_at, packages = max(updated_at, linked.updated_at), linked.packages
    return SorOffer(
        row.code, row.title, row.hotel, row.valid_from, row.valid_to, updated_at, packages
    )


def _membership(row: sa.RowMapping) -> SorMembership:
    return SorMembership(
        program=row["program"],
        membership_number=row["membership_number"],
        activation_code=row["activation_code"],
        card_number=row["card_number"],
        member_name=row["member_name"],
        email=row["email"],
        phone=row["phone"],
        package_code=row["package"],
        package_name=row["package_name"],
        status=row["status"],
        starts_on=row["starts_on"],
        expires_on=row["expires_on"],
        updated_at=_utc(row["updated_at"]),
    )
