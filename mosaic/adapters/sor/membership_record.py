"""A membership and its rows, as one refresh reads them from the SoR: in one read transaction,
one query per table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.adapters.sor.links import (
    OfferPackages,
    read_devices,
    read_offer_packages,
    read_voucher_campaigns,
)
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

CENT = Decimal("0.01")


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; the SoR stores UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _money(value: Any) -> Decimal:
    return Decimal(value).quantize(CENT)


def read_membership_record(
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
            updated_at=utc(r.updated_at),
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
            r.id, r.hotel, r.outlet, _money(r.amount), r.currency, utc(r.at), utc(r.updated_at)
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
            utc(r.booked_at),
            utc(r.updated_at),
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
            r.id, r.kind, _money(r.amount), r.currency, utc(r.at), utc(r.updated_at)
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
    updated_at, packages = utc(row.updated_at), frozenset[str]()
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
        updated_at=utc(row["updated_at"]),
    )
