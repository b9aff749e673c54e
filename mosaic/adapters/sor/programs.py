"""The SoR's program catalog and statistics, read with set-based queries (one per figure,
never one per membership), in portable SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any

import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.adapters.sor.links import (
    read_configuration,
    read_offer_packages,
    read_voucher_campaigns,
)
from mosaic.domain.calendar import month_starts, start_of_day
from mosaic.domain.program_records import (
    SorCampaign,
    SorContentOffer,
    SorHotel,
    SorMonthlyFigure,
    SorOutlet,
    SorProgramCatalog,
    SorProgramStatistics,
)
from mosaic.domain.records import SorProgram

CENT = Decimal("0.01")


def read_catalog(connection: sa.Connection, program: str, today: date) -> SorProgramCatalog | None:
    """The program, its hotels and outlets, the offers and dynamic voucher campaigns valid
    today or later (the offers with their packages), and its configuration."""
    pr = t.programs.c
    row = connection.execute(
        sa.select(pr.name, pr.currency, pr.timezone).where(pr.code == program)
    ).first()
    if row is None:
        return None
    h, o, f = t.hotels.c, t.outlets.c, t.offers.c
    hotels = connection.execute(sa.select(t.hotels).where(h.program == program).order_by(h.code))
    outlets = connection.execute(
        sa.select(t.outlets).where(o.program == program).order_by(o.hotel, o.code)
    )
    offers = connection.execute(
        sa.select(t.offers).where(f.program == program, f.valid_to >= today).order_by(f.code)
    ).all()
    packages = read_offer_packages(connection, program, (r.code for r in offers))
    return SorProgramCatalog(
        program=SorProgram(program, row.name, row.currency, row.timezone),
        hotels=[SorHotel(r.code, r.name, r.city, r.country, bool(r.in_network)) for r in hotels],
        outlets=[SorOutlet(r.code, r.hotel, r.name, r.cuisine) for r in outlets],
        offers=[
            SorContentOffer(
                r.code,
                r.title,
                r.description,
                r.hotel,
                r.valid_from,
                r.valid_to,
                tuple(sorted(linked.packages)) if (linked := packages.get(r.code)) else (),
            )
            for r in offers
        ],
        voucher_campaigns=read_voucher_campaigns(connection, program, today),
        configuration=read_configuration(connection, program),
    )


STATISTICS_MONTHS = 14
"""Months a figure may fall in from `since`: the 12 of the window, the current one, a spare."""


def read_statistics(connection: sa.Connection, program: str, since: date) -> SorProgramStatistics:
    """The program's figures from the start of `since` in the program's timezone, by the
    months of the program's calendar (an evening sale in Bangkok on the last day of a month
    counts in that month, not in the next UTC one)."""
    pr = t.programs.c
    timezone = connection.execute(sa.select(pr.timezone).where(pr.code == program)).scalar()
    months = month_starts(since, STATISTICS_MONTHS, str(timezone or "UTC"))
    start = start_of_day(since, str(timezone or "UTC")).astimezone(UTC)
    tr, sv = t.tracking_transactions.c, t.static_vouchers.c
    tracking = (tr.program == program, tr.at >= start)
    return SorProgramStatistics(
        tracking_per_hotel=_monthly(connection, months, tr.hotel, tr.at, tr.amount, tracking),
        tracking_per_outlet=_monthly(connection, months, tr.outlet, tr.at, tr.amount, tracking),
        voucher_redemptions_per_hotel=_monthly(
            connection,
            months,
            sv.redeemed_hotel,
            sv.redeemed_at,
            None,
            (sv.program == program, sv.redeemed_at >= start, sv.redeemed_hotel.is_not(None)),
        ),
        sales_per_package=_sales(connection, months, program, start),
        campaigns=_campaigns(connection, program),
        devices_by_platform=_devices(connection, program),
    )


def _monthly(
    connection: sa.Connection,
    months: list[tuple[str, datetime]],
    subject: sa.ColumnElement[Any],
    at: sa.ColumnElement[Any],
    amount: sa.ColumnElement[Any] | None,
    conditions: Sequence[sa.ColumnElement[bool]],
    joined: Any = None,
) -> list[SorMonthlyFigure]:
    """Counts (and sums) per subject and month: one grouped query, the month of each row told
    by a CASE over the months' start instants (portable SQL, right across DST changes)."""
    ends = [(label, end.astimezone(UTC)) for (label, _), (_, end) in pairwise(months)]
    month = sa.case(*((at < end, label) for label, end in ends), else_=None).label("month")
    columns: list[Any] = [subject.label("subject"), month, sa.func.count().label("n")]
    if amount is not None:
        columns.append(sa.func.sum(amount).label("amount"))
    query = sa.select(*columns)
    if joined is not None:
        query = query.select_from(joined)
    query = query.where(*conditions, at < ends[-1][1]).group_by(subject, month)
    return [
        SorMonthlyFigure(
            month=str(r.month),
            subject=str(r.subject),
            count=int(r.n),
            amount=Decimal(r.amount).quantize(CENT) if amount is not None else None,
        )
        for r in connection.execute(query.order_by(month, subject))
    ]


def _sales(
    connection: sa.Connection, months: list[tuple[str, datetime]], program: str, start: datetime
) -> list[SorMonthlyFigure]:
    mt, m = t.membership_transactions.c, t.memberships.c
    joined = t.membership_transactions.join(
        t.memberships, m.membership_number == mt.membership_number
    )
    conditions = (mt.program == program, mt.kind == "purchase", mt.at >= start)
    return _monthly(connection, months, m.package, mt.at, mt.amount, conditions, joined)


def _campaigns(connection: sa.Connection, program: str) -> list[SorCampaign]:
    p, e, s = t.push_messages.c, t.email_campaigns.c, t.sms_campaigns.c
    found = [
        SorCampaign(
            r.id,
            "push",
            r.title,
            r.target,
            "sent" if r.sent_at else "draft",
            r.sent,
            r.opened,
            _utc(r.sent_at),
        )
        for r in connection.execute(sa.select(t.push_messages).where(p.program == program))
    ]
    found += [
        SorCampaign(
            r.id, "email", r.subject, r.target, r.status, r.sent, r.opened, _utc(r.scheduled_at)
        )
        for r in connection.execute(sa.select(t.email_campaigns).where(e.program == program))
    ]
    found += [
        SorCampaign(r.id, "sms", r.text, r.target, r.status, r.sent, 0, _utc(r.scheduled_at))
        for r in connection.execute(sa.select(t.sms_campaigns).where(s.program == program))
    ]
    return sorted(found, key=lambda c: (c.channel, c.id))


def _devices(connection: sa.Connection, program: str) -> dict[str, int]:
    d = t.devices.c
    query = (
        sa.select(d.platform, sa.func.count().label("n"))
        .where(d.program == program)
        .group_by(d.platform)
        .order_by(d.platform)
    )
    return {str(r.platform): int(r.n) for r in connection.execute(query)}


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
