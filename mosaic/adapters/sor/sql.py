"""The SoR port over SQLAlchemy Core: any URL (sqlite, postgresql, oracle+oracledb)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from mosaic.adapters.sor import programs
from mosaic.adapters.sor import schema as t
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
from mosaic.ports.sor import SorUnavailable

CENT = Decimal("0.01")
R = TypeVar("R")


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; the SoR stores UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _money(value: Any) -> Decimal:
    return Decimal(value).quantize(CENT)


class SqlSystemOfRecord:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _rows(self, query: sa.Select[Any]) -> Sequence[sa.Row[Any]]:
        try:
            with self._engine.connect() as connection:
                return connection.execute(query).all()
        except SQLAlchemyError as error:
            raise SorUnavailable(str(error)) from error

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
        m, p, pr = t.memberships.c, t.packages.c, t.programs.c
        found = self._rows(
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
        )
        if not found:
            return None
        row = found[0]._mapping
        return SorMembershipRecord(
            program=SorProgram(program, row["program_name"], row["currency"], row["timezone"]),
            membership=_membership(row),
            static_vouchers=self._static_vouchers(program, membership_number),
            tracking=self._tracking(membership_number, history_since),
            reservations=self._reservations(membership_number, history_since.date()),
            membership_transactions=self._membership_transactions(membership_number),
            offers=self._offers(program, history_since.date()),
        )

    def _static_vouchers(self, program: str, number: str) -> list[SorStaticVoucher]:
        v = t.static_vouchers.c
        query = sa.select(t.static_vouchers).where(
            v.program == program, v.membership_number == number
        )
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
            for r in self._rows(query.order_by(v.code))
        ]

    def _tracking(self, number: str, since: datetime) -> list[SorTracking]:
        c = t.tracking_transactions.c
        query = sa.select(t.tracking_transactions).where(
            c.membership_number == number, c.at >= since.astimezone(UTC)
        )
        return [
            SorTracking(r.id, r.hotel, r.outlet, _money(r.amount), r.currency, _utc(r.at))
            for r in self._rows(query.order_by(c.at, c.id))
        ]

    def _reservations(self, number: str, since: date) -> list[SorReservation]:
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
            )
            for r in self._rows(query.order_by(c.check_in, c.id))
        ]

    def _membership_transactions(self, number: str) -> list[SorMembershipTransaction]:
        c = t.membership_transactions.c
        query = sa.select(t.membership_transactions).where(c.membership_number == number)
        return [
            SorMembershipTransaction(r.id, r.kind, _money(r.amount), r.currency, _utc(r.at))
            for r in self._rows(query.order_by(c.at, c.id))
        ]

    def _offers(self, program: str, since: date) -> list[SorOffer]:
        c = t.offers.c
        query = sa.select(t.offers).where(c.program == program, c.valid_to >= since)
        return [
            SorOffer(r.code, r.title, r.hotel, r.valid_from, r.valid_to)
            for r in self._rows(query.order_by(c.code))
        ]

    def program_codes(self) -> list[str]:
        return [str(row[0]) for row in self._rows(sa.select(t.programs.c.code).order_by("code"))]

    def program_catalog(self, program: str, *, today: date) -> SorProgramCatalog | None:
        return self._read(lambda connection: programs.read_catalog(connection, program, today))

    def program_statistics(self, program: str, *, since: date) -> SorProgramStatistics:
        return self._read(lambda connection: programs.read_statistics(connection, program, since))

    def _read(self, work: Callable[[sa.Connection], R]) -> R:
        """`work` on one connection, in one transaction: one consistent state of the SoR."""
        try:
            with self._engine.connect() as connection, connection.begin():
                return work(connection)
        except SQLAlchemyError as error:
            raise SorUnavailable(str(error)) from error

    def probe(self) -> None:
        try:
            with self._engine.connect() as connection:
                connection.execute(sa.select(sa.func.count()).select_from(t.programs)).scalar()
        except SQLAlchemyError as error:
            raise SorUnavailable(str(error)) from error


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
